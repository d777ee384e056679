import XCTest
final class SigndConfigTestsPlaceholder: XCTestCase { func testPlaceholder() {} }
