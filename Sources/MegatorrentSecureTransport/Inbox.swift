import NIOCore
import Synchronization

/// Received messages waiting for `SecureSocket.receive()`, with backpressure: above
/// `highWatermark` buffered messages the socket stops reading from the network, and it reads
/// again once the consumer has taken them down to half.
final class Inbox: Sendable {
    private enum Terminal {
        case finished
        case failed(SecureTransportError)
    }

    private struct State {
        var messages: [[UInt8]] = []
        var head = 0
        var waiter: CheckedContinuation<[UInt8]?, any Error>?
        var terminal: Terminal?
        var paused = false
        var buffered: Int { messages.count - head }

        mutating func pop() -> [UInt8] {
            let message = messages[head]
            messages[head] = []
            head += 1
            if head == messages.count {
                messages.removeAll(keepingCapacity: true)
                head = 0
            }
            return message
        }
    }

    let highWatermark: Int
    private let state = Mutex(State())
    /// Set once the channel exists: asks it to read again after a pause.
    private let channel = Mutex<(any Channel)?>(nil)

    init(highWatermark: Int) {
        self.highWatermark = max(1, highWatermark)
    }

    func attach(_ channel: any Channel) { self.channel.withLock { $0 = channel } }

    /// Whether reading from the network should wait for the consumer.
    var isPaused: Bool { state.withLock { $0.paused } }

    /// The reason the stream ended, if it did.
    var terminalError: SecureTransportError? {
        state.withLock {
            switch $0.terminal {
            case let .failed(error): error
            case .finished: .closed
            case nil: nil
            }
        }
    }

    /// A message arrived (on the event loop).
    func push(_ message: [UInt8]) {
        let waiter = state.withLock { state -> CheckedContinuation<[UInt8]?, any Error>? in
            guard state.terminal == nil else { return nil }
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.messages.append(message)
            if state.buffered >= highWatermark { state.paused = true }
            return nil
        }
        waiter?.resume(returning: message)
    }

    /// The stream ended: cleanly (`nil`) or with an error. The first end wins.
    func finish(_ error: SecureTransportError?) {
        let waiter = state.withLock { state -> CheckedContinuation<[UInt8]?, any Error>? in
            guard state.terminal == nil else { return nil }
            state.terminal = error.map(Terminal.failed) ?? .finished
            defer { state.waiter = nil }
            return state.buffered == 0 ? state.waiter : nil
        }
        if let waiter {
            if let error { waiter.resume(throwing: error) } else { waiter.resume(returning: nil) }
        }
    }

    /// The next message; nil after a clean end; throws the error that ended the stream.
    func receive() async throws -> [UInt8]? {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[UInt8]?, any Error>) in
            enum Step { case message([UInt8], resume: Bool), end, fail(any Error), wait }
            let step = state.withLock { state -> Step in
                if state.buffered > 0 {
                    let message = state.pop()
                    var resume = false
                    if state.paused, state.buffered <= highWatermark / 2 {
                        state.paused = false
                        resume = true
                    }
                    return .message(message, resume: resume)
                }
                switch state.terminal {
                case .finished: return .end
                case let .failed(error): return .fail(error)
                case nil: break
                }
                guard state.waiter == nil else { return .fail(SecureTransportError.concurrentReceive) }
                state.waiter = continuation
                return .wait
            }
            switch step {
            case let .message(message, resume):
                if resume { channel.withLock { $0 }?.read() }
                continuation.resume(returning: message)
            case .end: continuation.resume(returning: nil)
            case let .fail(error): continuation.resume(throwing: error)
            case .wait: break
            }
        }
    }
}

/// The last handler: hands messages to the inbox, holds reads while the inbox is full, and ends
/// the inbox (closing the connection) on the peer's close record, an error or the end of TCP.
final class InboxHandler: ChannelDuplexHandler {
    typealias InboundIn = [UInt8]
    typealias OutboundIn = Never

    private let inbox: Inbox

    init(inbox: Inbox) {
        self.inbox = inbox
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        inbox.push(Self.unwrapInboundIn(data))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is RecordHandler.PeerClosed {
            inbox.finish(nil)
        } else if let event = event as? IdleStateHandler.IdleStateEvent, event == .read {
            inbox.finish(.idleTimeout)
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        inbox.finish(.from(error))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        // Without the peer's close record first, the stream was cut short.
        inbox.finish(.truncated)
        context.fireChannelInactive()
    }

    func read(context: ChannelHandlerContext) {
        if !inbox.isPaused { context.read() }
    }
}
