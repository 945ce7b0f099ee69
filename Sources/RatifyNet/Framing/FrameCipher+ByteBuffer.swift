import NIOCore

extension FrameCipher {
    /// The additional data bound into each TCP frame's MAC: the frame's 4-byte length prefix.
    @inline(__always) static func frameAAD(sealedBytes: Int) -> UInt32 { UInt32(truncatingIfNeeded: sealedBytes).bigEndian }

    /// Seals a plaintext message into a new frame body (ciphertext and tag).
    mutating func seal(_ plaintext: ByteBuffer, allocator: ByteBufferAllocator) throws(Failure) -> ByteBuffer {
        let sealedBytes = plaintext.readableBytes + NetLimits.tagBytes
        var output = allocator.buffer(capacity: sealedBytes)
        var failure: Failure?
        let aad = FrameCipher.frameAAD(sealedBytes: sealedBytes)
        output.writeWithUnsafeMutableBytes(minimumWritableBytes: sealedBytes) { destination in
            let target = UnsafeMutableRawBufferPointer(rebasing: destination[0..<sealedBytes])
            plaintext.withUnsafeReadableBytes { input in
                withUnsafeBytes(of: aad) { ad in
                    do throws(Failure) { try seal(input, aad: ad, into: target) } catch { failure = error }
                }
            }
            return failure == nil ? sealedBytes : 0
        }
        if let failure { throw failure }
        return output
    }

    /// Opens a frame body into a new plaintext buffer.
    mutating func open(_ sealed: ByteBuffer, allocator: ByteBufferAllocator) throws(Failure) -> ByteBuffer {
        let sealedBytes = sealed.readableBytes
        guard sealedBytes >= NetLimits.tagBytes else { throw .tooShort(bytes: sealedBytes) }
        let plainBytes = sealedBytes - NetLimits.tagBytes
        var output = allocator.buffer(capacity: plainBytes)
        var failure: Failure?
        let aad = FrameCipher.frameAAD(sealedBytes: sealedBytes)
        output.writeWithUnsafeMutableBytes(minimumWritableBytes: plainBytes) { destination in
            let target = UnsafeMutableRawBufferPointer(rebasing: destination[0..<plainBytes])
            sealed.withUnsafeReadableBytes { input in
                withUnsafeBytes(of: aad) { ad in
                    do throws(Failure) { try open(input, aad: ad, into: target) } catch { failure = error }
                }
            }
            return failure == nil ? plainBytes : 0
        }
        if let failure { throw failure }
        return output
    }
}
