import CMegatorrentABI
import Foundation
import MegatorrentEngine
import MegatorrentManifest

/// Delivers engine events to a C callback on one dedicated thread, in order, so a callback never
/// runs on Swift's cooperative pool and may call back into the library.
final class EventDispatcher: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [EngineEvent] = []
    private var stopped = false
    /// Held while a callback runs, so replacing the callback waits for it to return.
    private let callbackLock = NSLock()
    private var callback: mt_event_cb?
    private var payload: UnsafeMutableRawPointer?
    private var thread: Thread?
    private let finished = DispatchSemaphore(value: 0)

    init() {
        let thread = Thread { [unowned self] in self.run() }
        thread.name = "megatorrent-events"
        self.thread = thread
        thread.start()
    }

    /// Replaces the callback; once this returns the old one is never called again.
    func setCallback(_ callback: mt_event_cb?, payload: UnsafeMutableRawPointer?) {
        callbackLock.lock()
        self.callback = callback
        self.payload = payload
        callbackLock.unlock()
    }

    /// Queues an event for delivery.
    func enqueue(_ event: EngineEvent) {
        condition.lock()
        queue.append(event)
        condition.signal()
        condition.unlock()
    }

    /// Stops the thread after the events queued so far and waits for it.
    func stop() {
        condition.lock()
        stopped = true
        condition.signal()
        condition.unlock()
        finished.wait()
    }

    private func run() {
        while true {
            condition.lock()
            while queue.isEmpty && !stopped { condition.wait() }
            if queue.isEmpty && stopped {
                condition.unlock()
                finished.signal()
                return
            }
            let event = queue.removeFirst()
            condition.unlock()
            callbackLock.lock()
            if let callback { Self.deliver(event, to: callback, payload: payload) }
            callbackLock.unlock()
        }
    }

    /// Calls `callback` with `event` as an mt_event whose strings live for the call.
    private static func deliver(_ event: EngineEvent, to callback: mt_event_cb, payload: UnsafeMutableRawPointer?) {
        var kind = MT_EVENT_UPDATED
        var channel: String?
        var sequence: UInt64 = 0, previous: UInt64 = 0
        var json: [UInt8]? = nil
        var status = MT_MANIFEST_VALID
        let source: ManifestSource
        switch event {
        case let .updated(manifest, before, from):
            channel = manifest.channelID
            sequence = manifest.sequence
            previous = before ?? 0
            json = manifest.jsonBytes
            source = from
        case let .refused(refusedChannel, reason, from):
            kind = MT_EVENT_REFUSED
            channel = refusedChannel
            status = mt_manifest_status(UInt32(reason.code))
            source = from
        case let .equivocation(_, offered, from):
            kind = MT_EVENT_EQUIVOCATION
            channel = offered.channelID
            sequence = offered.sequence
            json = offered.jsonBytes
            source = from
        }
        let jsonText = json.map { String(decoding: $0, as: UTF8.self) }
        source.description.withCString { sourcePointer in
            withOptionalCString(channel) { channelPointer in
                withOptionalCString(jsonText) { jsonPointer in
                    var cEvent = mt_event()
                    cEvent.version = 1
                    cEvent.kind = kind
                    cEvent.channel = channelPointer
                    cEvent.sequence = sequence
                    cEvent.previous = previous
                    cEvent.json = jsonPointer
                    cEvent.json_length = json?.count ?? 0
                    cEvent.source = sourcePointer
                    cEvent.status = status
                    callback(&cEvent, payload)
                }
            }
        }
    }
}

private func withOptionalCString<R>(_ text: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let text else { return body(nil) }
    return text.withCString { body($0) }
}
