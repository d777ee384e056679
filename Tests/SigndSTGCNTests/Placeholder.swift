import XCTest
final class SigndSTGCNTestsPlaceholder: XCTestCase { func testPlaceholder() {} }
