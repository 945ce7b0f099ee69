#if canImport(Glibc)
import Glibc
#endif
import RatifyCore

/// A blocking TCP socket with deadlines, for the remote signer's link. Blocking on purpose: a
/// signature is one request and one answer, and the node's driver waits for it (bounded by
/// `[priv_validator] request_timeout_ms`) as CometBFT's consensus waits for its privval.
/// Every read and write takes a deadline; nothing here waits longer than it. Frames are a
/// 4-byte big-endian length, then the body, at most `frameBytesMax`.
final class SignerSocket {
    static let frameBytesMax = 16 * 1024

    private var descriptor: Int32

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit { close() }

    func close() {
        guard descriptor >= 0 else { return }
        _ = Glibc.close(descriptor)
        descriptor = -1
    }

    /// Wakes a thread blocked in `accept` or a read on this socket (they fail), without
    /// releasing the descriptor under it; `close` (or deinit) releases it later.
    func shutdown() {
        guard descriptor >= 0 else { return }
        _ = Glibc.shutdown(descriptor, Int32(SHUT_RDWR))
    }

    /// Connects to `host:port` (a name or an IP address) within `timeoutMillis`.
    static func connect(_ address: HostPort, timeoutMillis: Int) throws(SignerLinkError) -> SignerSocket {
        let deadline = Deadline(afterMillis: timeoutMillis)
        var lastProblem = "no address found"
        for candidate in try resolve(address) {
            let descriptor = socket(candidate.family, Int32(SOCK_STREAM.rawValue), 0)
            guard descriptor >= 0 else { lastProblem = errnoText(); continue }
            let socket = SignerSocket(descriptor: descriptor)
            socket.setNoDelay()
            _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
            let status = candidate.bytes.withUnsafeBytes { raw -> Int32 in
                guard let base = raw.baseAddress else { return -1 }
                return Glibc.connect(descriptor, base.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count))
            }
            if status != 0 && errno != EINPROGRESS { lastProblem = errnoText(); continue }
            do {
                try socket.wait(for: Int16(POLLOUT), until: deadline, doing: "connecting")
            } catch {
                lastProblem = error.description
                continue
            }
            var problem: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &problem, &length)
            guard problem == 0 else { lastProblem = String(cString: strerror(problem)); continue }
            return socket
        }
        throw .unreachable("\(address): \(lastProblem)")
    }

    /// A listening socket on `host:port` (a name or an IP address).
    static func listen(_ address: HostPort, backlog: Int32 = 16) throws(SignerLinkError) -> SignerSocket {
        for candidate in try resolve(address) {
            let descriptor = socket(candidate.family, Int32(SOCK_STREAM.rawValue), 0)
            guard descriptor >= 0 else { continue }
            let socket = SignerSocket(descriptor: descriptor)
            var on: Int32 = 1
            setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
            let bound = candidate.bytes.withUnsafeBytes { raw -> Int32 in
                guard let base = raw.baseAddress else { return -1 }
                return bind(descriptor, base.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count))
            }
            guard bound == 0, Glibc.listen(descriptor, backlog) == 0 else {
                throw .unreachable("cannot listen on \(address): \(errnoText())")
            }
            return socket
        }
        throw .unreachable("cannot listen on \(address): no address found")
    }

    /// The port a listening socket is bound to.
    var localPort: UInt16 {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let status = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard status == 0 else { return 0 }
        let family = storage.ss_family
        return withUnsafePointer(to: &storage) { pointer in
            family == sa_family_t(AF_INET6)
                ? pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) }
                : pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
        }
    }

    /// Waits for the next connection (blocking), with its peer's address for the log.
    func accept() throws(SignerLinkError) -> (socket: SignerSocket, peer: String) {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let accepted = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.accept(descriptor, $0, &length) }
        }
        guard accepted >= 0 else { throw .closed("accept failed: \(Self.errnoText())") }
        let socket = SignerSocket(descriptor: accepted)
        socket.setNoDelay()
        _ = fcntl(accepted, F_SETFL, fcntl(accepted, F_GETFL) | O_NONBLOCK)
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = storage.ss_family
        withUnsafePointer(to: &storage) { pointer in
            if family == sa_family_t(AF_INET6) {
                pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { var a = $0.pointee.sin6_addr; _ = inet_ntop(AF_INET6, &a, &text, socklen_t(text.count)) }
            } else {
                pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { var a = $0.pointee.sin_addr; _ = inet_ntop(AF_INET, &a, &text, socklen_t(text.count)) }
            }
        }
        return (socket, String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }

    /// Sends one frame: the length, then `body`.
    func writeFrame(_ body: [UInt8], until deadline: Deadline) throws(SignerLinkError) {
        precondition(body.count <= Self.frameBytesMax, "frames are sized by the link")
        var bytes = Self.lengthPrefix(body.count)
        bytes.append(contentsOf: body)
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count > 0 { sent += count; continue }
            guard count < 0, errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR else {
                throw .closed("send failed: \(Self.errnoText())")
            }
            try wait(for: Int16(POLLOUT), until: deadline, doing: "sending")
        }
    }

    /// Reads one frame's body; a length above `frameBytesMax` is refused before it is read.
    /// A nil deadline waits as long as the peer keeps the connection open.
    func readFrame(until deadline: Deadline?) throws(SignerLinkError) -> [UInt8] {
        let prefix = try readExactly(4, until: deadline)
        let length = prefix.reduce(0) { $0 << 8 | Int($1) }
        guard length <= Self.frameBytesMax else {
            throw .malformed("frame of \(length) bytes exceeds the maximum \(Self.frameBytesMax)")
        }
        return try readExactly(length, until: deadline)
    }

    static func lengthPrefix(_ count: Int) -> [UInt8] {
        let length = UInt32(count)
        return [UInt8(length >> 24), UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff)]
    }

    private func readExactly(_ count: Int, until deadline: Deadline?) throws(SignerLinkError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var received = 0
        while received < count {
            let got = bytes[received...].withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if got > 0 { received += got; continue }
            if got == 0 { throw .closed("the other side closed the connection") }
            guard errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR else {
                throw .closed("receive failed: \(Self.errnoText())")
            }
            try wait(for: Int16(POLLIN), until: deadline, doing: "waiting for an answer")
        }
        return bytes
    }

    private func wait(for events: Int16, until deadline: Deadline?, doing what: String) throws(SignerLinkError) {
        while true {
            let timeout: Int32
            if let deadline {
                let remaining = deadline.remainingMillis
                guard remaining > 0 else { throw .timeout("\(what): no progress within the deadline") }
                timeout = Int32(clamping: remaining)
            } else {
                timeout = -1
            }
            var entry = pollfd(fd: descriptor, events: events, revents: 0)
            let ready = poll(&entry, 1, timeout)
            if ready > 0 { return }
            if ready < 0, errno != EINTR { throw .closed("poll failed: \(Self.errnoText())") }
        }
    }

    private func setNoDelay() {
        var on: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
    }

    private struct Candidate {
        var family: Int32
        var bytes: [UInt8]
    }

    private static func resolve(_ address: HostPort) throws(SignerLinkError) -> [Candidate] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(address.host, String(address.port), &hints, &list)
        guard status == 0, let first = list else {
            throw .unreachable("\(address): cannot resolve the host: \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(list) }
        var candidates: [Candidate] = []
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry {
            if let socketAddress = current.pointee.ai_addr {
                let raw = UnsafeRawBufferPointer(start: socketAddress, count: Int(current.pointee.ai_addrlen))
                candidates.append(Candidate(family: current.pointee.ai_family, bytes: Array(raw)))
            }
            entry = current.pointee.ai_next
        }
        return candidates
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}

/// A point in monotonic time a blocking operation must finish by.
struct Deadline {
    let instant: ContinuousClock.Instant

    init(afterMillis millis: Int) {
        instant = ContinuousClock.now.advanced(by: .milliseconds(max(0, millis)))
    }

    var remainingMillis: Int64 {
        let left = ContinuousClock.now.duration(to: instant).components
        return left.seconds * 1_000 + left.attoseconds / 1_000_000_000_000_000
    }
}
