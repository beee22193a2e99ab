import MegatorrentI2P

/// The `sam` fuzz target's body (see ``FuzzTarget/sam``).
enum SAMFuzz {
    static func run(_ input: [UInt8]) {
        guard let control = input.first else { return }
        let bridge = Array(input.dropFirst())
        // The reply parser alone: an accepted line keeps its topic words and every key once.
        for line in bridge.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).prefix(8) {
            guard let reply = try? SAMReply.parse(line) else { continue }
            precondition(!reply.topic.isEmpty && !reply.subtopic.isEmpty, "a reply has a topic and a subtopic")
            precondition(Set(reply.pairs.map(\.key)).count == reply.pairs.count, "each key once")
            _ = reply.result?.meaning
        }
        // The state machine for the request the control byte picks, the bridge's bytes whole, cut in two and byte by byte.
        let requests: [SAMRequest] = [
            .generateDestination, .createSession(id: "fuzz", destination: .transient, options: [SAMOption(key: "inbound.length", value: "0")]),
            .lookup(name: "ME"), .accept(sessionID: "fuzz"),
        ]
        let request = requests[Int(control & 3)]
        let split = min(Int(control >> 2), bridge.count)
        for deliveries in [[bridge], [Array(bridge[..<split]), Array(bridge[split...])], bridge.map { [$0] }] {
            var machine = SAMClientStateMachine(request: request)
            _ = machine.start()
            loop: for delivery in deliveries where !delivery.isEmpty {
                switch machine.receive(delivery) {
                case .needMoreData, .send: continue
                case let .finished(_, leftover):
                    precondition(Array(bridge.suffix(leftover.count)) == leftover, "leftover is the input's tail")
                    if deliveries.count == bridge.count, deliveries.count > 1 { precondition(leftover.isEmpty, "byte by byte, nothing is left over") }
                    break loop
                case .failed: break loop
                }
            }
        }
    }
}
