import CSodium

/// libsodium wants non-null pointers even for zero-length inputs, while an empty Swift buffer
/// has no base address. `base` gives a valid pointer in every case.
enum SodiumPointer {
    private nonisolated(unsafe) static let emptyByte: UnsafeMutablePointer<UInt8> = {
        let pointer = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
        pointer.initialize(to: 0)
        return pointer
    }()

    /// libsodium is initialised once, thread-safely, by the lazy global.
    static let ready: Bool = {
        let status = sodium_init()
        precondition(status >= 0, "libsodium failed to initialise (sodium_init returned \(status))")
        return true
    }()

    @inline(__always) static func ensureReady() { _ = ready }

    @inline(__always) static func base(_ buffer: UnsafeRawBufferPointer) -> UnsafePointer<UInt8> {
        guard let address = buffer.baseAddress else { return UnsafePointer(emptyByte) }
        return address.assumingMemoryBound(to: UInt8.self)
    }

    @inline(__always) static func base(_ buffer: UnsafeMutableRawBufferPointer) -> UnsafeMutablePointer<UInt8> {
        guard let address = buffer.baseAddress else { return emptyByte }
        return address.assumingMemoryBound(to: UInt8.self)
    }
}
