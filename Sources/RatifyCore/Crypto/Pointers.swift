/// C crypto functions take non-null pointers even for zero-length inputs, while an empty
/// Swift buffer has no base address. These give a valid pointer in every case.
enum CPointer {
    /// One byte that zero-length inputs point at; never written.
    private nonisolated(unsafe) static let emptyByte: UnsafeMutablePointer<UInt8> = {
        let pointer = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
        pointer.initialize(to: 0)
        return pointer
    }()

    static func bytes(_ buffer: UnsafeRawBufferPointer) -> UnsafePointer<UInt8> {
        guard let base = buffer.baseAddress else { return UnsafePointer(emptyByte) }
        return base.assumingMemoryBound(to: UInt8.self)
    }

    static func mutableBytes(_ buffer: UnsafeMutableRawBufferPointer) -> UnsafeMutablePointer<UInt8> {
        precondition(buffer.count > 0, "output buffers are never empty")
        guard let base = buffer.baseAddress else { return emptyByte }
        return base.assumingMemoryBound(to: UInt8.self)
    }
}
