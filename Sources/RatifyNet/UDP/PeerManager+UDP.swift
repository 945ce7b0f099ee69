import NIOCore
import NIOPosix
import RatifyCore

/// The UDP fast path: votes and proposals as sealed datagrams, keyed by the TCP session.
/// Datagram = version (1) || receiver's key tag (8) || counter (8) || sealed message; the 17-byte
/// header is the AEAD's additional data and the counter its nonce, under a key used for nothing
/// else. Loss, duplication and reordering are fine: TCP gossip resends whatever is missing.
extension PeerManager {
    static let datagramVersion: UInt8 = 1
    static let datagramHeaderBytes = 17

    func bindUDP(host: String, port: Int) async throws -> any Channel {
        try await DatagramBootstrap(group: group)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(DatagramHandler(manager: self))
                }
            }
            .bind(host: host, port: port).get()
    }

    func rejectDatagram(_ reason: String) {
        metrics.udpRejected(reason)
        state.withLock { $0.udpRejected[reason, default: 0] += 1 }
    }

    /// Sends a sealed copy of a vote or proposal (its `NetMessage.encoded` bytes) if the peer
    /// announced a UDP port.
    func sendDatagram(encoded plaintext: [UInt8], to session: PeerSession) {
        guard let remote = session.udpRemoteAddress, let channel = state.withLock({ $0.udpChannel }) else { return }
        let total = Self.datagramHeaderBytes + plaintext.count + NetLimits.tagBytes
        guard total <= NetLimits.datagramBytesMax else { return }
        let counter = session.udpSendCounter.wrappingAdd(1, ordering: .relaxed).oldValue
        guard counter < config.nonceLimit else { return }
        var buffer = channel.allocator.buffer(capacity: total)
        buffer.writeInteger(Self.datagramVersion)
        buffer.writeInteger(session.keys.udpSendTag)
        buffer.writeInteger(counter)
        let key = session.keys.udpSend
        let header = buffer.getBytes(at: buffer.readerIndex, length: Self.datagramHeaderBytes) ?? []
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: plaintext.count + NetLimits.tagBytes) { destination in
            let sealedBytes = plaintext.count + NetLimits.tagBytes
            header.withUnsafeBytes { aad in
                plaintext.withUnsafeBytes { input in
                    FrameCipher.seal(key: key, counter: counter, input, aad: aad,
                                     into: UnsafeMutableRawBufferPointer(rebasing: destination[0..<sealedBytes]))
                }
            }
            return sealedBytes
        }
        metrics.udpMessagesSent.increment()
        metrics.udpBytesSent.increment(by: total)
        session.bytesSent.wrappingAdd(total, ordering: .relaxed)
        channel.writeAndFlush(AddressedEnvelope(remoteAddress: remote, data: buffer), promise: nil)
    }

    /// Opens one datagram. Anything wrong is dropped and counted, never a disconnect: a datagram's
    /// source can be forged, so it proves nothing about the session it names.
    func receivedDatagram(_ datagram: ByteBuffer) {
        metrics.udpBytesReceived.increment(by: datagram.readableBytes)
        let now = NIODeadline.now().uptimeNanoseconds
        // Inbound rate limits before any work: the socket's, then the named session's.
        guard udpInbound.withLock({ $0.takeIfAvailable(1, nowNanos: now) }) else { return rejectDatagram("rate_limited") }
        guard datagram.readableBytes <= NetLimits.datagramBytesMax,
              datagram.readableBytes >= Self.datagramHeaderBytes + NetLimits.tagBytes + 1 else {
            return rejectDatagram("size")
        }
        guard datagram.getInteger(at: datagram.readerIndex, as: UInt8.self) == Self.datagramVersion,
              let tag = datagram.getInteger(at: datagram.readerIndex + 1, as: UInt64.self),
              let counter = datagram.getInteger(at: datagram.readerIndex + 9, as: UInt64.self) else {
            return rejectDatagram("header")
        }
        guard let session = state.withLock({ $0.udpByTag[tag] }) else { return rejectDatagram("unknown_session") }
        let withinRate = session.udpInbound.withLock { buckets -> Bool in
            buckets.frames.refill(nowNanos: now)
            buckets.bytes.refill(nowNanos: now)
            guard buckets.frames.tokens >= 1, buckets.bytes.tokens >= Double(datagram.readableBytes) else { return false }
            _ = buckets.frames.take(1, nowNanos: now)
            _ = buckets.bytes.take(Double(datagram.readableBytes), nowNanos: now)
            return true
        }
        guard withinRate else { return rejectDatagram("rate_limited") }
        guard session.udpReplay.withLock({ $0.accepts(counter) }) else { return rejectDatagram("replay") }
        let sealedBytes = datagram.readableBytes - Self.datagramHeaderBytes
        var plaintext = [UInt8](repeating: 0, count: sealedBytes - NetLimits.tagBytes)
        let key = session.keys.udpReceive
        let opened = datagram.withUnsafeReadableBytes { bytes -> Bool in
            let aad = UnsafeRawBufferPointer(rebasing: bytes[0..<Self.datagramHeaderBytes])
            let sealed = UnsafeRawBufferPointer(rebasing: bytes[Self.datagramHeaderBytes...])
            return plaintext.withUnsafeMutableBytes { output in
                do throws(FrameCipher.Failure) {
                    try FrameCipher.open(key: key, counter: counter, sealed, aad: aad, into: output)
                    return true
                } catch {
                    return false
                }
            }
        }
        guard opened else { return rejectDatagram("bad_mac") }
        // Record only after the MAC verified, and re-check: two copies may race on two threads.
        let first = session.udpReplay.withLock { window -> Bool in
            guard window.accepts(counter) else { return false }
            window.record(counter)
            return true
        }
        guard first else { return rejectDatagram("replay") }
        // Counted for the session only once authenticated: a forged source proves nothing.
        session.bytesReceived.wrappingAdd(datagram.readableBytes, ordering: .relaxed)
        let message: NetMessage
        do {
            message = try NetMessage.decode(plaintext, chainID: config.chainID)
        } catch {
            return rejectDatagram("malformed")
        }
        switch message {
        case .vote, .proposal:
            metrics.udpMessagesReceived.increment()
            accept(message, digest: Hash.sha256(plaintext), from: session, transport: .udp)
        default:
            rejectDatagram("kind")
        }
    }
}
