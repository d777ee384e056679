import XCTest
final class SigndLandmarksTestsPlaceholder: XCTestCase { func testPlaceholder() {} }
