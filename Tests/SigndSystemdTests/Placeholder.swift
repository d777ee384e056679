import XCTest
final class SigndSystemdTestsPlaceholder: XCTestCase { func testPlaceholder() {} }
