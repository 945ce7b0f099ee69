import COpenSSL
import CSHA256D

/// One thread's hashing loop: sha256d of a header for each nonce in a range, stopping at the
/// first hash at or under the target.
///
/// A header is 80 bytes, so sha256d over it is three SHA-256 compressions: block 1 (header bytes
/// 0–63), block 2 (bytes 64–79 — the end of the Merkle root, time, bits, nonce — then padding),
/// and block 3 (the 32-byte first digest, then padding). Block 1 does not depend on the nonce:
/// its output, the *midstate*, is computed once here, and each nonce costs two compressions.
/// The loop touches only memory allocated here, once: no allocation, no reference counting, no
/// bounds checks, no Swift concurrency.
///
/// Two implementations of those compressions (`HashingCore`), both on the CPU's SHA extensions:
/// OpenSSL's `SHA256_Transform`, one nonce at a time, and `CSHA256D`'s two nonces at a time,
/// interleaved so the CPU overlaps their dependent round instructions.
///
/// Not `Sendable`: each thread makes its own.
final class NonceScanner {
    /// SHA-256's initial hash value (FIPS 180-4, 5.3.3).
    static let initialState: [UInt32] = [
        0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19,
    ]

    let core: HashingCore
    private let context: UnsafeMutablePointer<SHA256_CTX>
    /// The context's eight state words (`h`, its first field): what each compression updates.
    private let state: UnsafeMutablePointer<UInt32>
    /// One allocation for everything the loop touches, in 16-word slots.
    private let words: UnsafeMutablePointer<UInt32>
    /// Block 2 as bytes: header bytes 64..<80, padding, length.
    private var second: UnsafeMutablePointer<UInt32> { words }
    /// Block 3 as bytes: the first digest, padding, length.
    private var third: UnsafeMutablePointer<UInt32> { words + 16 }
    private var midstate: UnsafeMutablePointer<UInt32> { words + 32 }
    private var initial: UnsafeMutablePointer<UInt32> { words + 40 }
    /// Block 2 as message words (big-endian reads of its bytes), for `CSHA256D`.
    private var secondWords: UnsafeMutablePointer<UInt32> { words + 48 }
    /// `CSHA256D`'s two final states.
    private var output: UnsafeMutablePointer<UInt32> { words + 64 }
    private static let wordCount = 80

    let target: UInt256
    /// The target's top 32 bits, for the quick reject that settles almost every nonce.
    private let targetTop: UInt32

    init(header: BlockHeader80, target: UInt256, core: HashingCore = .fastest) {
        self.core = core.isAvailable ? core : .openSSL
        self.target = target
        targetTop = UInt32(truncatingIfNeeded: target.limb3 >> 32)
        context = .allocate(capacity: 1)
        context.initialize(to: SHA256_CTX())
        state = UnsafeMutableRawPointer(context).bindMemory(to: UInt32.self, capacity: 8)
        words = .allocate(capacity: Self.wordCount)
        words.initialize(repeating: 0, count: Self.wordCount)
        for index in 0..<8 { initial[index] = Self.initialState[index] }

        let bytes = header.bytes
        bytes.withUnsafeBufferPointer { header in
            guard let base = header.baseAddress else { return }  // never: a header is 80 bytes
            // The midstate: SHA-256's initial state after block 1.
            _ = SHA256_Init(context)
            SHA256_Transform(context, base)
            for index in 0..<8 { midstate[index] = state[index] }
            // Block 2: header bytes 64..<80, 0x80, zeros, the message length (640 bits) big-endian.
            let block = UnsafeMutableRawPointer(second)
            block.copyMemory(from: base + 64, byteCount: 16)
            block.storeBytes(of: 0x80, toByteOffset: 16, as: UInt8.self)
            block.storeBytes(of: UInt64(640).bigEndian, toByteOffset: 56, as: UInt64.self)
        }
        for index in 0..<16 { secondWords[index] = UInt32(bigEndian: second[index]) }
        // Block 3: the 32-byte digest (written per nonce), 0x80, zeros, 256 bits big-endian.
        let block = UnsafeMutableRawPointer(third)
        block.storeBytes(of: 0x80, toByteOffset: 32, as: UInt8.self)
        block.storeBytes(of: UInt64(256).bigEndian, toByteOffset: 56, as: UInt64.self)
    }

    deinit {
        context.deinitialize(count: 1)
        context.deallocate()
        words.deallocate()
    }

    /// Hashes nonces `lower...upper` in ascending order and returns the first whose hash meets
    /// the target, or nil; `hashed` is how many nonces were hashed.
    func scan(lower: UInt32, upper: UInt32) -> (nonce: UInt32?, hashed: UInt64) {
        guard lower <= upper else { return (nil, 0) }
        switch core {
        case .openSSL: return scanOpenSSL(lower: lower, upper: upper)
        case .shaNIx2: return scanPairs(lower: lower, upper: upper)
        }
    }

    private func scanOpenSSL(lower: UInt32, upper: UInt32) -> (nonce: UInt32?, hashed: UInt64) {
        // Locals, so the loop keeps them in registers across the opaque C calls.
        let context = context, state = state, midstate = midstate, initial = initial
        let third = third, targetTop = targetTop
        let secondBytes = UnsafeRawPointer(second).assumingMemoryBound(to: UInt8.self)
        let thirdBytes = UnsafeRawPointer(third).assumingMemoryBound(to: UInt8.self)
        let nonceWord = second + 3  // header byte 76 is byte 12 of block 2
        var nonce = lower
        while true {
            nonceWord.pointee = nonce.littleEndian
            state.update(from: midstate, count: 8)
            SHA256_Transform(context, secondBytes)
            // The first digest is the state words big-endian.
            for index in 0..<8 { third[index] = state[index].bigEndian }
            state.update(from: initial, count: 8)
            SHA256_Transform(context, thirdBytes)
            if meetsTarget(state, targetTop) { return (nonce, UInt64(nonce - lower) + 1) }
            if nonce == upper { return (nil, UInt64(upper - lower) + 1) }
            nonce &+= 1
        }
    }

    private func scanPairs(lower: UInt32, upper: UInt32) -> (nonce: UInt32?, hashed: UInt64) {
        let midstate = midstate, secondWords = secondWords, targetTop = targetTop
        let first = output, second = output + 8
        var nonce = lower
        while true {
            // At the top of the range the pair's second nonce is past it: hashed, ignored.
            let last = nonce == upper
            ratify_sha256d_ni_x2(midstate, secondWords, nonce, nonce &+ 1, first, second)
            if meetsTarget(first, targetTop) { return (nonce, UInt64(nonce - lower) + 1) }
            if last { return (nil, UInt64(upper - lower) + 1) }
            if meetsTarget(second, targetTop) { return (nonce + 1, UInt64(nonce - lower) + 2) }
            if nonce + 1 == upper { return (nil, UInt64(upper - lower) + 1) }
            nonce += 2
        }
    }

    /// Whether the final state words, as a hash read as a little-endian number, are at most
    /// the target. The number's top 32 bits are the last word byte-swapped: those settle
    /// almost every nonce.
    @inline(__always)
    private func meetsTarget(_ words: UnsafeMutablePointer<UInt32>, _ targetTop: UInt32) -> Bool {
        let top = words[7].byteSwapped
        if top > targetTop { return false }
        if top < targetTop { return true }
        func limb(_ low: Int) -> UInt64 { UInt64(words[low + 1].byteSwapped) << 32 | UInt64(words[low].byteSwapped) }
        return UInt256(limb0: limb(0), limb1: limb(2), limb2: limb(4), limb3: limb(6)) <= target
    }
}
