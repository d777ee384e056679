import XCTest
final class SigndEventsTestsPlaceholder: XCTestCase { func testPlaceholder() {} }
