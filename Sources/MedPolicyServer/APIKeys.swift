import Foundation

/// The API keys a server accepts, read from a file: one key per line, optionally `name<TAB>key` so
/// logs can say which client called (the key itself is never logged); `#` starts a comment.
public struct APIKeys: Sendable {
    private let keys: [(name: String, key: [UInt8])]

    /// Keys from file text; `source` names the file in errors.
    public init(text: String, source: String) throws {
        var keys: [(String, [UInt8])] = []
        // Any line end (LF, CRLF, CR): a key file written on Windows kept its CR in every key, which
        // then matched no header and still passed the length check.
        for (offset, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(separator: "\t").map { $0.trimmingCharacters(in: .whitespaces) }
            let (name, key) = fields.count >= 2 ? (fields[0], fields[1]) : ("key-\(offset + 1)", fields[0])
            // Short keys are guessable; 32 hex digits (128 bits) is the floor, counted on visible ASCII only.
            guard key.unicodeScalars.count >= 32, key.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) }) else {
                throw APIKeysError("\(source):\(offset + 1): a key must be at least 32 visible ASCII characters, without spaces or control characters")
            }
            keys.append((name, Array(key.utf8)))
        }
        guard !keys.isEmpty else { throw APIKeysError("\(source): no API keys in the file") }
        self.keys = keys
    }

    /// Keys from a file.
    public init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw APIKeysError("\(path): cannot read the API key file")
        }
        try self.init(text: text, source: path)
    }

    /// The name of the client whose key this is, or nil. Compares every key in full, so the time
    /// taken does not reveal how much of a key matched.
    public func client(presenting candidate: Substring) -> String? {
        let bytes = Array(candidate.utf8)
        var found: String?
        for entry in keys {
            var difference = UInt8(entry.key.count == bytes.count ? 0 : 1)
            for index in 0..<entry.key.count {
                difference |= entry.key[index] ^ (index < bytes.count ? bytes[index] : 0)
            }
            if difference == 0 { found = entry.name }
        }
        return found
    }
}

/// The API key file is unreadable or malformed.
public struct APIKeysError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
