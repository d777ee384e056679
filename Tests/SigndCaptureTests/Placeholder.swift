import XCTest
final class SigndCaptureTestsPlaceholder: XCTestCase { func testPlaceholder() {} }
