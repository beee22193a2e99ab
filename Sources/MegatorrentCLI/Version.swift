/// The version of Megatorrent (the CLI, the library and `mt_version()`).
enum MegatorrentVersion {
    static let string = "0.1.0"
}
