/// Sliding-window replay filter for datagram counters (RFC 6479 style, as in IPsec and
/// WireGuard): counters more than `windowBits` behind the highest seen are refused, and each
/// counter inside the window is accepted once. Check with `accepts` before opening and call
/// `record` only after the MAC verified, so forged datagrams cannot move the window.
struct ReplayWindow: Sendable {
    static let windowBits: UInt64 = 1024
    private static let wordCount = Int(windowBits / 64)

    private var highest: UInt64 = 0
    private var any = false
    private var words = [UInt64](repeating: 0, count: Int(windowBits / 64))

    func accepts(_ counter: UInt64) -> Bool {
        guard any else { return true }
        if counter > highest { return true }
        if highest - counter >= Self.windowBits { return false }
        let (word, bit) = Self.position(counter)
        return words[word] & (UInt64(1) << bit) == 0
    }

    mutating func record(_ counter: UInt64) {
        if !any || counter > highest {
            let advance = any ? counter - highest : Self.windowBits
            if advance >= Self.windowBits {
                for index in words.indices { words[index] = 0 }
            } else {
                // Clear the slots of counters that slide into the window.
                var step: UInt64 = 1
                while step <= advance {
                    let (word, bit) = Self.position(highest &+ step)
                    words[word] &= ~(UInt64(1) << bit)
                    step += 1
                }
            }
            highest = counter
            any = true
        }
        let (word, bit) = Self.position(counter)
        words[word] |= UInt64(1) << bit
    }

    private static func position(_ counter: UInt64) -> (Int, UInt64) {
        let slot = counter % windowBits
        return (Int(slot / 64), slot % 64)
    }
}
