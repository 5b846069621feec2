import HTTPTypes
import Hummingbird
import NIOCore

/// The emulator's self-contained HTML pages: embedded CSS, no scripts, no external assets.
enum HTMLPage {
    /// Escapes text for HTML content and attribute values.
    static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }

    /// A complete page around `content` (already HTML).
    static func document(title: String, content: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(self.escape(title))</title>
        <style>
        \(self.css)
        </style>
        </head>
        <body>
        <header><span class="logo">TikTok <b>for Business</b></span><span class="badge">Emulator</span></header>
        <main class="card">
        \(content)
        </main>
        <footer>Local TikTok Business API emulator — no data leaves this machine.</footer>
        </body>
        </html>
        """
    }

    /// An HTML response (never cached).
    static func response(_ html: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[.contentSecurityPolicy] = "default-src 'none'; style-src 'unsafe-inline'"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// An error page.
    static func error(title: String, message: String, status: HTTPResponse.Status = .badRequest) -> Response {
        self.response(
            self.document(
                title: title,
                content: """
                    <h1>\(self.escape(title))</h1>
                    <p class="error" id="error">\(self.escape(message))</p>
                    """
            ),
            status: status
        )
    }

    private static let css = """
        *{box-sizing:border-box}
        body{margin:0;font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
        background:#f1f1f2;color:#161823}
        header{display:flex;align-items:center;gap:12px;padding:14px 24px;background:#fff;border-bottom:1px solid #e3e3e4}
        .logo{font-size:18px}.logo b{color:#fe2c55}
        .badge{font-size:12px;padding:2px 8px;border-radius:10px;background:#25f4ee;color:#161823}
        .card{max-width:520px;margin:40px auto;background:#fff;border-radius:12px;padding:28px 32px;
        box-shadow:0 2px 12px rgba(0,0,0,.08)}
        h1{font-size:22px;margin:0 0 8px}
        p{line-height:1.5}
        .app{font-family:ui-monospace,Menlo,Consolas,monospace;background:#f1f1f2;padding:2px 6px;border-radius:4px}
        ul.grants{list-style:none;padding:0;margin:16px 0}
        ul.grants li{padding:10px 12px;border:1px solid #e3e3e4;border-radius:8px;margin-bottom:8px}
        ul.grants li small{display:block;color:#73757c}
        label{display:block;font-weight:600;margin:16px 0 6px}
        input[type=text]{width:100%;padding:10px 12px;font-size:16px;border:1px solid #c9c9cc;border-radius:6px}
        .buttons{display:flex;gap:12px;margin-top:20px}
        button{flex:1;padding:12px;font-size:16px;border-radius:6px;border:1px solid #c9c9cc;background:#fff;cursor:pointer}
        button.primary{background:#fe2c55;border-color:#fe2c55;color:#fff;font-weight:600}
        .code{font-size:28px;letter-spacing:6px;font-family:ui-monospace,Menlo,Consolas,monospace;
        background:#f1f1f2;padding:8px 14px;border-radius:8px;display:inline-block}
        .error{color:#c4112f;background:#fff0f2;padding:10px 12px;border-radius:6px}
        .muted{color:#73757c;font-size:14px}
        footer{text-align:center;color:#73757c;font-size:12px;margin-bottom:24px}
        """
}
