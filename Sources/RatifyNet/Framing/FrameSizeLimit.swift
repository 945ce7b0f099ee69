/// The frame length the decoder accepts right now: `NetLimits.handshakeFrameBytesMax` until
/// the handshake succeeds, then `NetLimits.frameBytesMax`, so an unauthenticated peer can make
/// the node buffer at most a handshake frame. Shared by handlers of one channel, used only on
/// its event loop.
final class FrameSizeLimit {
    var bytes: Int

    init(bytes: Int) { self.bytes = bytes }
}
