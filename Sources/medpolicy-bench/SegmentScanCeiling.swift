import Foundation

/// The no-history ceiling of `scripts/throughput.sh`: the time to read an X12 file and find its
/// segments with no medpolicy code, in 64 KB `read(2)` chunks (as the 837 reader reads) counting
/// the segment terminator (the byte after ISA16, offset 105). Prints seconds and segments.
func runSegmentScanCeiling(path: String) {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { print("scan: cannot open \(path)"); return }
    defer { close(fd) }
    let start = DispatchTime.now().uptimeNanoseconds
    var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    var terminator: UInt8?
    var segments = 0, bytes = 0
    while true {
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count <= 0 { break }
        if terminator == nil, bytes == 0, count > 105 { terminator = buffer[105] }
        bytes += count
        guard let terminator else { continue }
        buffer.withUnsafeBufferPointer { chunk in
            for byte in chunk[0..<count] where byte == terminator { segments += 1 }
        }
    }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    print(String(format: "scan: %.3f s, %d bytes, %d segments", seconds, bytes, segments))
}
