import Foundation

/// Bytes of X12 output: kept in memory, or written to a file handle in chunks of about 64 KiB
/// so that memory stays flat however much is written.
public final class X12Output {
    private let fileHandle: FileHandle?
    private var storage: [UInt8] = []
    private let flushThreshold = 64 * 1024
    /// Bytes written so far (flushed or not).
    public private(set) var byteCount = 0

    /// Output kept in memory (`bytes`).
    public init() {
        fileHandle = nil
        storage.reserveCapacity(flushThreshold)
    }

    /// Output written to `fileHandle` (the handle is not closed; call `flush()` at the end).
    public init(fileHandle: FileHandle) {
        self.fileHandle = fileHandle
        storage.reserveCapacity(flushThreshold * 2)
    }

    /// Everything written, for in-memory output (after a flush, what is not yet flushed).
    public var bytes: [UInt8] { storage }
    /// The in-memory output as text.
    public var text: String { String(decoding: storage, as: UTF8.self) }

    func append(_ byte: UInt8) {
        storage.append(byte)
        byteCount += 1
    }

    func append(_ text: String) {
        var text = text
        text.withUTF8 { storage.append(contentsOf: $0) }
        byteCount += text.utf8.count
    }

    func append<Bytes: Sequence>(contentsOf bytes: Bytes) where Bytes.Element == UInt8 {
        let before = storage.count
        storage.append(contentsOf: bytes)
        byteCount += storage.count - before
    }

    /// Flushes when the buffer is past the threshold (file output only).
    package func flushIfFull() throws {
        if fileHandle != nil && storage.count >= flushThreshold { try flush() }
    }

    /// Writes buffered bytes to the file handle.
    public func flush() throws {
        guard let fileHandle, !storage.isEmpty else { return }
        try fileHandle.write(contentsOf: storage)
        storage.removeAll(keepingCapacity: true)
    }
}

/// Writes X12 segments with given delimiters, counting them for SE01.
package struct X12SegmentWriter {
    package let delimiters: X12Delimiters
    /// A line break after each segment terminator (readable files; X12 allows it).
    package let lineBreaks: Bool
    package let output: X12Output
    /// Segments since `startCount()`.
    package private(set) var counted = 0

    package init(output: X12Output, delimiters: X12Delimiters = .standard, lineBreaks: Bool = true) {
        self.output = output; self.delimiters = delimiters; self.lineBreaks = lineBreaks
    }

    package mutating func startCount() { counted = 0 }

    /// One segment; trailing empty elements are dropped, as X12 requires.
    package mutating func segment(_ id: String, _ elements: [String]) {
        var last = elements.count
        while last > 0 && elements[last - 1].isEmpty { last -= 1 }
        output.append(id)
        for index in 0..<last {
            output.append(delimiters.element)
            output.append(elements[index])
        }
        terminate()
    }

    /// Components joined by the component separator, trailing empty ones dropped.
    package func composite(_ parts: [String]) -> String {
        var last = parts.count
        while last > 0 && parts[last - 1].isEmpty { last -= 1 }
        return parts[0..<last].joined(separator: String(Character(Unicode.Scalar(delimiters.component))))
    }

    /// The fixed-width ISA segment.
    package mutating func interchangeHeader(sender: String, receiver: String, date: String, time: String,
                                    controlNumber: Int, usage: String) {
        func pad(_ text: String, _ width: Int) -> String {
            let cut = String(text.prefix(width))
            return cut + String(repeating: " ", count: width - cut.count)
        }
        let fields = ["00", pad("", 10), "00", pad("", 10), "ZZ", pad(sender, 15), "ZZ", pad(receiver, 15),
                      date, time, String(Character(Unicode.Scalar(delimiters.repetition ?? UInt8(ascii: "^")))),
                      "00501", Self.zeroPadded(controlNumber, 9), "0", usage,
                      String(Character(Unicode.Scalar(delimiters.component)))]
        output.append("ISA")
        for field in fields {
            output.append(delimiters.element)
            output.append(field)
        }
        terminate()
    }

    private mutating func terminate() {
        output.append(delimiters.segment)
        if lineBreaks && delimiters.segment != 0x0A { output.append(0x0A) }
        counted += 1
    }

    package static func zeroPadded(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
