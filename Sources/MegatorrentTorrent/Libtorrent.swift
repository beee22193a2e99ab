import CLibtorrentShim

/// Facts about the libtorrent-rasterbar library this process loaded.
public enum Libtorrent {
    /// libtorrent's version string as the loaded library reports it (`lt::version()`), for example `"2.0.8.0"`.
    public static var version: String {
        String(cString: mtlt_version())
    }
}
