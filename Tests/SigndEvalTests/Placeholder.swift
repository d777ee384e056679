import XCTest
final class SigndEvalTestsPlaceholder: XCTestCase { func testPlaceholder() {} }
