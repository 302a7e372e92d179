import Foundation

/// A parsed `postgres://user:password@host:port/database?schema=NAME&sslmode=MODE` location.
struct PostgresLocation: Sendable, Equatable {
    enum TLSMode: String, Sendable { case disable, require }

    var host: String
    var port: Int
    var user: String
    var password: String?
    var database: String
    var schema: String
    var tls: TLSMode

    /// Where, for messages: never the password.
    var displayName: String { "postgres://\(user)@\(host):\(port)/\(database) (schema \(schema))" }

    init(url text: String) throws {
        guard let components = URLComponents(string: text),
              let scheme = components.scheme?.lowercased(), scheme == "postgres" || scheme == "postgresql" else {
            throw HistoryError.invalidLocation(
                "expected postgres://user:password@host:port/database, got \"\(Self.redacted(text))\"")
        }
        guard let host = components.host, !host.isEmpty else {
            throw HistoryError.invalidLocation("the PostgreSQL URL has no host: \"\(Self.redacted(text))\"")
        }
        guard let user = components.user, !user.isEmpty else {
            throw HistoryError.invalidLocation("the PostgreSQL URL has no user name: \"\(Self.redacted(text))\"")
        }
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        self.port = components.port ?? 5432
        self.user = user
        self.password = components.password
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        self.database = path.isEmpty ? user : path
        var schema = "medpolicy"
        var tls = TLSMode.disable
        for item in components.queryItems ?? [] {
            switch item.name {
            case "schema":
                schema = item.value ?? ""
            case "sslmode":
                switch item.value {
                case "disable": tls = .disable
                case "require", "verify-full": tls = .require
                default:
                    throw HistoryError.invalidLocation("sslmode must be disable or require, got \"\(item.value ?? "")\"")
                }
            default:
                throw HistoryError.invalidLocation(
                    "unknown PostgreSQL URL parameter \"\(item.name)\" (known: schema, sslmode)")
            }
        }
        guard Self.isPlainIdentifier(schema) else {
            throw HistoryError.invalidLocation(
                "schema must be a plain PostgreSQL name (lowercase letters, digits, _; at most 63), got \"\(schema)\"")
        }
        self.schema = schema
        self.tls = tls
    }

    static func isPlainIdentifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.unicodeScalars.count <= 63,
              first == "_" || ("a"..."z").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || ("a"..."z").contains($0) || ("0"..."9").contains($0) }
    }

    /// The URL with its password replaced by `***`.
    static func redacted(_ text: String) -> String {
        // user:password@ between "://" and the last "@" before the path.
        guard let start = text.range(of: "://")?.upperBound else { return text }
        let rest = text[start...]
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@"),
              let colon = rest[..<at].firstIndex(of: ":") else { return text }
        return String(text[..<rest.index(after: colon)]) + "***" + String(text[at...])
    }
}
