import XCTest
final class SigndWindowsTestsPlaceholder: XCTestCase { func testPlaceholder() {} }
