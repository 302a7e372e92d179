/// A read-only map from strings to values, built once from trusted data (the muscle catalog, the
/// code tables, a policy's codes) and looked up on every decision.
///
/// `Dictionary` hashes a key with seeded SipHash, about 200 instructions for a five-character
/// code; a decision looks up a dozen codes and names. This table hashes the key's UTF-8 bytes with
/// FNV-1a and compares the key with the few it probes. Its keys are fixed when it is built, so a
/// caller's key can only probe the slots those keys filled: a lookup stays short whatever is asked.
public struct StringTable<Value: Sendable>: Sendable {
    @usableFromInline let keys: [String]
    @usableFromInline let values: [Value]
    /// Open addressing, linear probing, at least twice as many slots as keys. A slot holds the
    /// key's hash in its high 32 bits (compared before the key) and its index in `keys` plus one
    /// in the low bits; 0 is an empty slot.
    @usableFromInline let slots: [UInt64]

    /// A table of `pairs`; when a key repeats, its first value stands.
    public init(_ pairs: some Sequence<(String, Value)>) {
        let pairs = Array(pairs)
        var size = 8
        while size < pairs.count * 2 { size *= 2 }
        var slots = [UInt64](repeating: 0, count: size)
        var keys: [String] = [], values: [Value] = []
        keys.reserveCapacity(pairs.count)
        values.reserveCapacity(pairs.count)
        next: for (key, value) in pairs {
            let hash = Self.hash(key)
            var slot = Int(truncatingIfNeeded: hash) & (size - 1)
            while slots[slot] != 0 {
                if keys[Int(slots[slot] & 0xffff_ffff) - 1] == key { continue next }
                slot = (slot + 1) & (size - 1)
            }
            slots[slot] = hash & 0xffff_ffff_0000_0000 | UInt64(keys.count + 1)
            keys.append(key)
            values.append(value)
        }
        self.keys = keys
        self.values = values
        self.slots = slots
    }

    /// A table of a dictionary's entries.
    public init(_ dictionary: [String: Value]) {
        self.init(dictionary.lazy.map { ($0.key, $0.value) })
    }

    // Inlinable, so that each table's lookup is specialized for its value type where it is used.
    @inlinable public subscript(key: String) -> Value? {
        let mask = slots.count - 1, hash = Self.hash(key)
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = slots[slot]
            if entry == 0 { return nil }
            let index = Int(entry & 0xffff_ffff) - 1
            if entry & 0xffff_ffff_0000_0000 == hash & 0xffff_ffff_0000_0000, keys[index] == key { return values[index] }
            slot = (slot + 1) & mask
        }
    }

    public var count: Int { keys.count }

    /// FNV-1a over the UTF-8 bytes.
    @inlinable static func hash(_ key: String) -> UInt64 {
        let hash = key.utf8.withContiguousStorageIfAvailable(fnv) ?? fnv(key.utf8)
        // The high bits mix every byte; fold them into the low bits the mask keeps.
        return hash ^ (hash >> 29)
    }

    @inlinable static func fnv(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash
    }
}
