import XCTest
final class SigndHeadsTestsPlaceholder: XCTestCase { func testPlaceholder() {} }
