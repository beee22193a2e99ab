import Foundation
import MegatorrentJSON
import XCTest

/// Random and mutated input: parsing must never trap, and whatever is accepted must
/// canonicalize idempotently and round-trip.
final class RobustnessTests: XCTestCase {
    private static let corpus: [String] = [
        #"{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],"string":"\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/","literals":[null,true,false]}"#,
        #"{"\u20ac":"Euro Sign","\r":"Carriage Return","\ufb33":"Hebrew","1":"One","\ud83d\ude00":"Emoji","\u0080":"Control","\u00f6":"o"}"#,
        #"[[[]],{"a":{"b":[1,-2.5e-3,true,null]}},"é😀\u2028", 0, -0, 123456789012345678901234567890]"#,
        #"{"publicKey":"00ff","sequence":9007199254740991,"timestamp":1700000000000,"collections":[{"title":"t","items":["magnet:?xt=urn:btih:00"]}]}"#,
    ]

    /// A small deterministic generator (xorshift64*), so failures reproduce.
    private struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            return state &* 0x2545_F491_4F6C_DD1D
        }
    }

    private func checkAccepted(_ bytes: [UInt8]) {
        guard let value = try? JSONParser.parse(bytes) else { return }
        let once = CanonicalJSON.serialize(value)
        guard let reparsed = try? JSONParser.parse(once) else {
            return XCTFail("canonical output does not parse: \(bytes)")
        }
        XCTAssertEqual(CanonicalJSON.serialize(reparsed), once)
        XCTAssertEqual(try? CanonicalJSON.canonicalize(once), once)
        // Whatever this strict parser accepts, Foundation's parser accepts too.
        XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]), "\(bytes)")
    }

    func testMutatedDocuments() {
        var generator = Generator(state: 0x9E37_79B9_7F4A_7C15)
        let interesting: [UInt8] = Array(#"{}[],:"\/ubfnrt0123456789-+.eE"#.utf8) + [0x00, 0x1F, 0x7F, 0x80, 0xBF, 0xC0, 0xC3, 0xE2, 0xED, 0xEF, 0xF0, 0xF4, 0xFF]
        var accepted = 0
        for round in 0..<30_000 {
            var bytes = Array(Self.corpus[round % Self.corpus.count].utf8)
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let index = Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0..<4, using: &generator) {
                case 0: bytes[index] = interesting.randomElement(using: &generator)!
                case 1: bytes.remove(at: index)
                case 2: bytes.insert(interesting.randomElement(using: &generator)!, at: index)
                default: bytes[index] = UInt8.random(in: 0...255, using: &generator)
                }
                if bytes.isEmpty { bytes = [0x31] }
            }
            if (try? JSONParser.parse(bytes)) != nil { accepted += 1 }
            checkAccepted(bytes)
        }
        XCTAssertGreaterThan(accepted, 100)
    }

    func testRandomBytes() {
        var generator = Generator(state: 0xDEAD_BEEF_CAFE_F00D)
        let alphabet: [UInt8] = Array(#"{}[],:"\ 0123456789-.eEtrufalsn"#.utf8)
        for _ in 0..<20_000 {
            let length = Int.random(in: 0...40, using: &generator)
            let bytes = (0..<length).map { _ in
                Bool.random(using: &generator) ? alphabet.randomElement(using: &generator)! : UInt8.random(in: 0...255, using: &generator)
            }
            checkAccepted(bytes)
        }
    }

    /// Every prefix of a valid document is refused without trapping (truncation anywhere).
    func testEveryPrefixRefused() {
        for document in Self.corpus {
            let bytes = Array(document.utf8)
            for cut in 0..<bytes.count {
                let error = parseError(Array(bytes[..<cut]))
                XCTAssertNotNil(error, "prefix \(cut) of \(document)")
            }
            XCTAssertNil(parseError(bytes))
        }
    }

    func testLongNumberLiterals() {
        let zeros = String(repeating: "0", count: 500_000)
        XCTAssertEqual(try JSONParser.parse("0." + zeros + "1"), .number(0))
        XCTAssertEqual(try JSONParser.parse("1." + zeros + "1"), .number(1))
        XCTAssertEqual(parseError("1" + zeros), .numberOutOfRange(offset: 0))
        let halfway = "2.4703282292062327208828439643411068618252990130716238221279284125033775363510437593264991818081799618989828234772285886546332835517796989819938739800539093906315035659515570226392290858392449105184435931802849936536152500319370457678249219365623669863658480757001585769269903706311928279558551332927834338409351978015531246597263579574622766465272827220056374006485499977096599470454020828166226237857393450736339007967761930577506740176324673600968951340535537458516661134223766678604162159680461914467291840300530057530849048765391711386591646239524912623653881879636239373280423891018672348497668235089863388587925628302755995657524455507255189313690836254779186948667994968324049705821028513185451396213837722826145437693412532098591327667236328125"
        XCTAssertEqual(try JSONParser.parse(halfway + "e-324"), .number(0))
        XCTAssertEqual(try JSONParser.parse(halfway + zeros + "1e-324"), .number(.leastNonzeroMagnitude))
    }
}
