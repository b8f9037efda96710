import Foundation

/// The API's OpenAPI 3.1 document (`Resources/openapi.yaml`), served at `/openapi.yaml`.
public enum OpenAPIDocument {
    public static let text: String = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else { return "openapi: 3.1.0\ninfo: {title: breachclock, version: unknown}\npaths: {}\n" }
        return text
    }()
}
