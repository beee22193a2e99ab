import MegatorrentCrypto
import MegatorrentI2P
import MegatorrentNoise
import NIOCore

extension SecureSocket {
    /// Opens an I2P stream to `peer` through `session` (`STREAM CONNECT`; a `.b32.i2p` name is looked
    /// up first; transient failures such as `CANT_REACH_PEER` retried per `retry`) and, once the SAM
    /// bridge said `STREAM STATUS RESULT=OK`, runs the handshake as initiator on that same connection,
    /// expecting the responder to hold `remoteStatic`. `configuration.handshakeTimeout` bounds the
    /// handshake; SAM failures come as `SecureTransportError.i2pFailed`.
    public static func connect(
        over session: SAMSession, to peer: I2PPeerAddress, localStatic: X25519.PrivateKey, remoteStatic: [UInt8],
        configuration: SecureTransportConfiguration = SecureTransportConfiguration(),
        retry: SAMSession.Retry = SAMSession.Retry()
    ) async throws -> SecureSocket {
        let handshake: InitiatorHandshake
        do { handshake = try InitiatorHandshake(localStatic: localStatic, remoteStatic: remoteStatic) } catch {
            throw SecureTransportError.handshakeFailed(error)
        }
        let sendableHandshake = UnsafeTransfer(handshake)
        let outcome = session.bridge.group.next().makePromise(of: HandshakeOutcome.self)
        let inbox = Inbox(highWatermark: configuration.receiveBufferMessages)
        let channel: any Channel
        do {
            channel = try await session.connect(to: peer, retry: retry) { channel in
                try addHandlers(
                    to: channel, side: .initiator(sendableHandshake.value, remoteStatic: remoteStatic), configuration: configuration,
                    inbox: inbox, outcome: outcome)
            }
        } catch {
            outcome.fail(SecureTransportError.from(error))
            throw SecureTransportError.from(error)
        }
        inbox.attach(channel)
        do {
            let result = try await outcome.futureResult.get()
            let destination: I2PDestination? = if case let .destination(known) = peer { known } else { nil }
            return SecureSocket(channel: channel, inbox: inbox, outcome: result, configuration: configuration, i2pPeer: destination)
        } catch {
            channel.close(promise: nil)
            throw SecureTransportError.from(error)
        }
    }
}
