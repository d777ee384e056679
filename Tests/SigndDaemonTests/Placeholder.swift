import XCTest
final class SigndDaemonTestsPlaceholder: XCTestCase { func testPlaceholder() {} }
