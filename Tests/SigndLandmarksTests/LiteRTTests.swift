import Foundation
import SigndLiteRT
import SigndTestSupport
import XCTest

final class LiteRTTests: XCTestCase {
    func testSmokeAllModels() throws {
        let set = try HolisticModelSet(directory: TestPaths.models)
        let runtime = try set.makeRuntime()
        for m in HolisticModel.allCases {
            let model = try set.makeModel(m, runtime: runtime)
            print(m, model.inputs, model.outputs)
            try model.withInput(0) { buf in for i in buf.indices { buf[i] = Float(i % 255) / 255 } }
            let t0 = Date()
            try model.run()
            print("run ms", Date().timeIntervalSince(t0) * 1000)
            print(try model.output(0).prefix(5))
        }
    }
}
