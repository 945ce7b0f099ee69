import Foundation
import Logging
import NIOCore
import NIOPosix
import RatifyCore
import Synchronization
import Testing
@testable import RatifyNet

/// Collects log lines so a test can assert the clear error a failure produced.
final class LogStore: Sendable {
    let lines = Mutex<[String]>([])

    func logger(_ label: String = "test") -> Logger {
        Logger(label: label) { _ in CapturingLogHandler(store: self) }
    }

    func contains(_ fragment: String) -> Bool { lines.withLock { $0.contains { $0.contains(fragment) } } }
    var all: [String] { lines.withLock { $0 } }
}

struct CapturingLogHandler: LogHandler {
    let store: LogStore
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        store.lines.withLock { $0.append("\(event.level) \(event.message) \(merged)") }
    }
}

enum Wait {
    /// Polls `condition` every 20 ms until it holds or `seconds` pass; returns whether it held.
    static func until(seconds: Double = 20, _ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return condition()
    }
}

/// Shared by all tests in the process: two threads, like the machine.
let testGroup = MultiThreadedEventLoopGroup(numberOfThreads: 2)

func makeConfig(_ index: Int, chainID: String = NetSamples.chainID, peers: [PeerAddress] = [],
                port: Int = 0, udp: Bool = false) -> NetConfig {
    var config = NetConfig(chainID: chainID, nodeKey: NetSamples.nodeKey(index))
    config.listenHost = "127.0.0.1"
    config.listenPort = port
    config.udpListenPort = udp ? 0 : nil
    config.persistentPeers = peers
    config.handshakeTimeoutMillis = 5_000
    config.dialBackoffBaseMillis = 50
    config.dialBackoffMaxMillis = 400
    config.misbehaviourBackoffMillis = 300
    config.jitterSeed = UInt64(index)
    config.gossipIntervalMillis = 50
    return config
}

func address(of manager: PeerManager) -> PeerAddress {
    PeerAddress(nodeID: manager.nodeID, endpoint: HostPort(host: "127.0.0.1", port: UInt16(manager.listeningPort ?? 0)))
}

/// Reads delivered messages in the background so tests can ask what arrived.
final class Inbox: Sendable {
    final class Box: Sendable { let value = Mutex<[InboundMessage]>([]) }
    private let box = Box()
    func snapshot() -> [InboundMessage] { box.value.withLock { $0 } }
    let task: Task<Void, Never>

    init(_ manager: PeerManager) {
        let box = self.box
        task = Task {
            for await message in manager.inbound { box.value.withLock { $0.append(message) } }
        }
    }

    func votes() -> [Vote] {
        snapshot().compactMap { if case .vote(let vote) = $0.message { vote } else { nil } }
    }

    func count(where predicate: (InboundMessage) -> Bool) -> Int { snapshot().filter(predicate).count }
}

/// A raw TCP client for playing a misbehaving peer: writes whatever bytes it is given and
/// collects whatever frames come back.
final class RawPeer: Sendable {
    let channel: any Channel
    let frames: AsyncStream<ByteBuffer>

    private final class Collector: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let continuation: AsyncStream<ByteBuffer>.Continuation
        init(_ continuation: AsyncStream<ByteBuffer>.Continuation) { self.continuation = continuation }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) { continuation.yield(unwrapInboundIn(data)) }
        func channelInactive(context: ChannelHandlerContext) { continuation.finish() }
        func errorCaught(context: ChannelHandlerContext, error: Error) { context.close(promise: nil) }
    }

    init(port: Int, group: any EventLoopGroup = testGroup) async throws {
        let (frames, continuation) = AsyncStream.makeStream(of: ByteBuffer.self, bufferingPolicy: .bufferingNewest(64))
        self.frames = frames
        channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(FrameDecoder(limit: FrameSizeLimit(bytes: NetLimits.frameBytesMax))))
                    try channel.pipeline.syncOperations.addHandler(Collector(continuation))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
    }

    static func frame(_ body: [UInt8]) -> [UInt8] {
        var bytes = withUnsafeBytes(of: UInt32(body.count).bigEndian) { Array($0) }
        bytes.append(contentsOf: body)
        return bytes
    }

    func write(_ bytes: [UInt8]) async throws {
        var buffer = channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        try await channel.writeAndFlush(buffer).get()
    }

    func nextFrame() async -> [UInt8]? {
        var iterator = frames.makeAsyncIterator()
        return await iterator.next().map { Array($0.readableBytesView) }
    }

    func close() async { try? await channel.close() }
}

extension RawPeer {
    /// Completes a valid handshake as `key` with the manager at the other end; returns the
    /// session ciphers so the test can then send sealed frames of its choosing.
    func handshake(as key: KeyPair, expected: NodeID?) async throws -> (sender: FrameCipher, receiver: FrameCipher) {
        var handshake = Handshake(role: .dialer, chainID: NetSamples.chainID, nodeKey: key, udpPort: 0, expectedPeer: expected)
        try await write(RawPeer.frame(NetMessage.hello(handshake.hello).encoded))
        var iterator = frames.makeAsyncIterator()
        guard let helloFrame = await iterator.next(),
              case .hello(let peerHello) = try NetMessage.decode(Array(helloFrame.readableBytesView), chainID: NetSamples.chainID)
        else { throw HandshakeError.closedEarly }
        let (auth, keys) = try handshake.receive(peer: peerHello)
        var sender = FrameCipher(key: keys.tcpSend)
        var receiver = FrameCipher(key: keys.tcpReceive)
        try await write(RawPeer.frame(try sender.seal(NetMessage.auth(auth).encoded, aad: RawPeer.aad(65))))
        guard let authFrame = await iterator.next() else { throw HandshakeError.closedEarly }
        let opened = try receiver.open(Array(authFrame.readableBytesView), aad: RawPeer.aad(authFrame.readableBytes - NetLimits.tagBytes))
        guard case .auth(let peerAuth) = try NetMessage.decode(opened, chainID: NetSamples.chainID) else { throw HandshakeError.closedEarly }
        _ = try handshake.verify(peer: peerAuth)
        return (sender, receiver)
    }

    /// The additional data of a TCP frame sealing `plaintextBytes` bytes: its length prefix.
    static func aad(_ plaintextBytes: Int) -> [UInt8] {
        withUnsafeBytes(of: UInt32(plaintextBytes + NetLimits.tagBytes).bigEndian) { Array($0) }
    }

    static func sealedFrame(_ message: NetMessage, _ sender: inout FrameCipher) throws -> [UInt8] {
        let plaintext = message.encoded
        return frame(try sender.seal(plaintext, aad: aad(plaintext.count)))
    }
}

/// Records every raw byte a channel reads and writes, for the no-plaintext-on-the-wire test.
final class WireTap: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer

    final class Capture: Sendable {
        let bytes = Mutex<[UInt8]>([])
        var snapshot: [UInt8] { bytes.withLock { $0 } }
    }

    let capture: Capture
    init(_ capture: Capture) { self.capture = capture }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        capture.bytes.withLock { $0.append(contentsOf: buffer.readableBytesView) }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let buffer = unwrapOutboundIn(data)
        capture.bytes.withLock { $0.append(contentsOf: buffer.readableBytesView) }
        context.write(data, promise: promise)
    }
}

/// Resident memory of this process in bytes (Linux /proc).
func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
    return pages * 4096
}
