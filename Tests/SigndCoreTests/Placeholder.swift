import XCTest
final class SigndCoreTestsPlaceholder: XCTestCase { func testPlaceholder() {} }
