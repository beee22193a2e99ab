#if canImport(Glibc)
import Glibc
#endif
import MegatorrentCrypto
import MegatorrentJSON

/// Turns JSON into manifest fields, enforcing the validation rules and limits of docs/manifest.md.
/// Pure functions: no I/O, no clock, no state; safe to fuzz.
enum ManifestDecoder {
    static let knownFields: [StaticString] = ["publicKey", "sequence", "timestamp", "collections", "signature"]

    static func parseObject(_ bytes: UnsafeRawBufferPointer) throws(ManifestError) -> [JSONMember] {
        guard bytes.count <= ManifestLimits.maxBytes else { throw .tooLarge(bytes: bytes.count) }
        let options = JSONParseOptions(maxDepth: ManifestLimits.maxDepth, maxBytes: ManifestLimits.maxBytes)
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes, options: options)
        } catch {
            throw .malformedJSON(error)
        }
        guard case let .object(members) = value else { throw .notAnObject }
        return members
    }

    static func field(_ members: [JSONMember], _ name: StaticString) throws(ManifestError) -> JSONValue {
        for member in members where member.hasKey(name) { return member.value }
        throw .missingField("\(name)")
    }

    static func integer(_ value: JSONValue, _ error: ManifestError) throws(ManifestError) -> UInt64 {
        guard case let .number(number) = value, number >= 0, number <= Double(ManifestLimits.maxInteger),
            number.rounded(.towardZero) == number
        else { throw error }
        return UInt64(number)
    }

    static func publicKey(_ value: JSONValue) throws(ManifestError) -> Ed25519.PublicKey {
        guard case let .string(text) = value, text.utf8.count == 64, let bytes = Hex.decodeLowercase(text) else {
            throw .invalidPublicKey
        }
        do {
            return try Ed25519.PublicKey(bytes: bytes)
        } catch {
            throw .weakPublicKey
        }
    }

    static func signature(_ value: JSONValue) throws(ManifestError) -> [UInt8] {
        guard case let .string(text) = value, text.utf8.count == 128, let bytes = Hex.decodeLowercase(text) else {
            throw .invalidSignatureEncoding
        }
        return bytes
    }

    static func collections(_ value: JSONValue) throws(ManifestError) -> [ManifestCollection] {
        guard case let .array(entries) = value else { throw .invalidField(path: "collections", expected: "an array") }
        guard entries.count <= ManifestLimits.maxCollections else { throw .tooManyCollections(entries.count) }
        var result: [ManifestCollection] = []
        result.reserveCapacity(entries.count)
        var itemCount = 0
        for (index, entry) in entries.enumerated() {
            guard case let .object(members) = entry else {
                throw .invalidField(path: "collections[\(index)]", expected: "an object")
            }
            var title: String? = nil
            var items: [String]? = nil
            var extra: [JSONMember] = []
            for member in members {
                if member.hasKey("title") {
                    guard case let .string(text) = member.value else {
                        throw .invalidField(path: "collections[\(index)].title", expected: "a string")
                    }
                    guard text.utf8.count <= ManifestLimits.maxTitleBytes else { throw .titleTooLong(collection: index) }
                    title = text
                } else if member.hasKey("items") {
                    guard case let .array(values) = member.value else {
                        throw .invalidField(path: "collections[\(index)].items", expected: "an array of strings")
                    }
                    itemCount += values.count
                    guard itemCount <= ManifestLimits.maxItems else { throw .tooManyItems(itemCount) }
                    items = try validatedItems(values, collection: index)
                } else {
                    extra.append(member)
                }
            }
            guard let title else { throw .missingField("collections[\(index)].title") }
            guard let items else { throw .missingField("collections[\(index)].items") }
            result.append(ManifestCollection(title: title, items: items, extraFields: extra))
        }
        return result
    }

    private static func validatedItems(_ values: [JSONValue], collection: Int) throws(ManifestError) -> [String] {
        var items: [String] = []
        items.reserveCapacity(values.count)
        for (index, value) in values.enumerated() {
            guard case let .string(item) = value else {
                throw .invalidField(path: "collections[\(collection)].items[\(index)]", expected: "a string")
            }
            do {
                try MagnetLink.validate(item)
            } catch let .invalidBlobLink(problem) {
                throw .invalidBlobLink(collection: collection, item: index, problem: problem)
            } catch {
                throw .invalidItem(collection: collection, item: index, problem: error)
            }
            items.append(item)
        }
        return items
    }

    static func extraFields(_ members: [JSONMember]) -> [JSONMember] {
        members.filter { member in !knownFields.contains { member.hasKey($0) } }
    }
}

extension JSONMember {
    /// Exact (byte-wise) key comparison. Swift's `==` on strings is canonical equivalence
    /// ("\u{212A}" == "K"), which a signed format must not use.
    func hasKey(_ name: StaticString) -> Bool {
        var key = self.key
        return key.withUTF8 { bytes in
            bytes.count == name.utf8CodeUnitCount && (bytes.count == 0 || memcmp(bytes.baseAddress!, name.utf8Start, bytes.count) == 0)
        }
    }
}
