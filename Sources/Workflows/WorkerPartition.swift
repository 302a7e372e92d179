/// One worker's share of a claim file when N processes adjudicate it against one shared history
/// (`medpolicy batch --worker K/N`): the members whose stable hash falls to worker K.
///
/// Partitioning by member keeps each member's claims in one process, in file order, so the
/// history store's per-member lock (on the member id) is never contended across workers and no
/// frequency limit can be used twice. A replacement or void stays with its member: the store
/// refuses one that names another member's claim. The hash is FNV-1a over the member id's UTF-8
/// bytes: the same on every machine and every run (Swift's `Hasher` is seeded per process).
public struct WorkerPartition: Sendable, Equatable, CustomStringConvertible {
    /// This worker, 1…`count`.
    public let index: Int
    /// How many workers share the file.
    public let count: Int

    /// The most workers one file can be split between (more would only add readers of the file).
    public static let maximumCount = 1_024

    public init(index: Int, count: Int) throws {
        guard count >= 1, count <= Self.maximumCount else {
            throw WorkflowError.badInput("--worker: N must be from 1 to \(Self.maximumCount), not \(count)")
        }
        guard index >= 1, index <= count else {
            throw WorkflowError.badInput("--worker: K must be from 1 to \(count) (N), not \(index)")
        }
        self.index = index
        self.count = count
    }

    /// Parses `K/N`, as given to `--worker`.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]),
              parts.allSatisfy({ $0.allSatisfy(\.isASCII) }) else {
            throw WorkflowError.badInput("--worker: expected K/N with whole numbers, 1 ≤ K ≤ N (e.g. 2/4), not \"\(text)\"")
        }
        try self.init(index: index, count: count)
    }

    /// The worker (1…`count`) that decides `member`'s claims.
    public static func worker(for member: String, count: Int) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in member.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return Int(hash % UInt64(count)) + 1
    }

    /// Whether this worker decides `member`'s claims.
    public func owns(member: String) -> Bool { Self.worker(for: member, count: count) == index }

    /// `K/N`.
    public var description: String { "\(index)/\(count)" }

    /// `path` with `.K-of-N` before its extension (`remit.835` → `remit.2-of-4.835`), so that
    /// workers sharing a folder never write the same file; `-` (standard output) is kept.
    public func outputPath(_ path: String) -> String {
        guard path != "-" else { return path }
        let tag = ".\(index)-of-\(count)"
        let slash = path.lastIndex(of: "/").map { path.index(after: $0) } ?? path.startIndex
        let name = path[slash...]
        if let dot = name.lastIndex(of: "."), dot != name.startIndex {
            return String(path[..<dot]) + tag + String(path[dot...])
        }
        return path + tag
    }
}
