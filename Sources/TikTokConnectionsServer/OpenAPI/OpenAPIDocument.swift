import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The OpenAPI 3.1 document of the `/v1` API, served at `GET /openapi.json`.
///
/// It describes what ``ManagementRoutes``, ``OperationsRoutes``, ``ProxyTokenRoutes`` and ``ProxyRoutes`` do (the drop-in
/// endpoint, ``DropInRoutes``, is outside `/v1` and only described in `info.description`); `OpenAPITests` keeps the two in step (every
/// documented operation exists, every `/v1` route is documented, real responses carry the documented properties).
enum OpenAPIDocument {
    /// `GET /openapi.json`, no authentication.
    static func register<Context: RequestContext>(on router: Router<Context>) {
        router.get("openapi.json") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "application/json; charset=utf-8"
            headers[.cacheControl] = "public, max-age=300"
            headers[.init("Access-Control-Allow-Origin")!] = "*"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: json)))
        }
    }

    /// The document as JSON text.
    static let json = #"""
    {
      "openapi": "3.1.0",
      "info": {
        "title": "tiktok-business management API",
        "version": "1.0.0",
        "summary": "Authorization links, stored TikTok Business connections, access tokens, events, an authenticated proxy to the TikTok Business API and proxy tokens for existing TikTok clients.",
        "description": "Every /v1 route requires `Authorization: Bearer <key>`: `TIKTOK_BUSINESS_API_KEY` (every scope) or a named API key (`tbk_…`, created with `POST /v1/api-keys` or `tiktok-business api-keys create`, shown once and stored only as a hash); a missing, wrong or revoked key gets 401. A named key has one scope, and each scope includes the ones before it: `read` lists and shows connections (and their proxy tokens), events, the overview and the audit trail; `tokens` adds access tokens, the proxy and issuing and revoking proxy tokens; `admin` adds links, refresh, revoke and API keys. Each operation's security requirement names the scope it needs; a key without it gets 403 `{\"error\":{\"code\":\"insufficient_scope\",\"message\"}}`. Token reads, links, refreshes, revocations, API-key and proxy-token changes are recorded in the audit trail with the key that made them; proxied calls are counted per connection, key (or proxy token) and day. Errors are `{\"error\":{\"code\",\"message\"}}`. TikTok's ids are strings (they exceed 53-bit integers). Tokens are never returned except by the access-token route (and a new proxy token's secret, once). Outside `/v1`, and not listed as operations here, the service also answers TikTok's own paths `/open_api/v1.3/{path…}` (the drop-in endpoint; also alone on `TIKTOK_BUSINESS_DROP_IN_PORT` when set), so that an existing TikTok client (TikTok's SDKs, Airbyte's or Singer's connectors) works through the vault by changing only its host and its `Access-Token`: a proxy token (`tbp_…`) from `POST /v1/connections/{id}/proxy-tokens`, which the vault swaps for the connection's real access token, relaying the call as `/v1/proxy` does with the app's own `app_id` and `secret` filled in. Its refusals are in TikTok's shape (HTTP 200 with `code`, `message`, `request_id`, `data`): 40104 without a token, 40105 for an unknown, revoked or expired proxy token or a revoked connection, 40001 for a path outside the token's `allowed_paths` or one of TikTok's authorization endpoints (the connect flow's), 40100 when the app's QPS budget is spent.",
        "license": { "name": "Apache-2.0", "identifier": "Apache-2.0" }
      },
      "servers": [ { "url": "/" } ],
      "security": [ { "bearer": [] } ],
      "tags": [
        { "name": "links", "description": "Shareable authorization links." },
        { "name": "connections", "description": "Stored connections (never their tokens)." },
        { "name": "tokens", "description": "Access tokens for internal callers." },
        { "name": "events", "description": "The event log." },
        { "name": "proxy", "description": "Calls to the TikTok Business API through the vault." },
        { "name": "operations", "description": "The overview of many connections and the audit trail." },
        { "name": "api-keys", "description": "Named management API keys with a scope." },
        { "name": "proxy-tokens", "description": "Connection-scoped proxy tokens: the `Access-Token` of existing TikTok clients at the drop-in endpoint (`/open_api/v1.3/…`)." }
      ],
      "paths": {
        "/v1/connect-links": {
          "post": {
            "operationId": "createConnectLink",
            "tags": ["links"],
            "summary": "Create a shareable authorization link",
            "security": [ { "bearer": ["admin"] } ],
            "description": "Scope `admin`. Issues TikTok's authorization URL with a new single-use, expiring state. With `reconnect_connection_id` the authorization re-authorizes that connection in place (same id); its kind must match.",
            "requestBody": {
              "required": true,
              "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ConnectLinkRequest" } } }
            },
            "responses": {
              "201": {
                "description": "The link.",
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ConnectLink" } } }
              },
              "400": { "$ref": "#/components/responses/BadRequest" },
              "401": { "$ref": "#/components/responses/Unauthorized" },
              "403": { "$ref": "#/components/responses/Forbidden" },
              "404": { "$ref": "#/components/responses/NotFound" },
              "413": { "$ref": "#/components/responses/ContentTooLarge" },
              "500": { "$ref": "#/components/responses/InternalError" },
              "503": { "$ref": "#/components/responses/Unavailable" }
            }
          }
        },
        "/v1/connections": {
          "get": {
            "operationId": "listConnections",
            "tags": ["connections"],
            "summary": "List connections",
            "security": [ { "bearer": ["read"] } ],
            "description": "Scope `read`. Every status unless filtered by `status`; filters combine (a connection must match all of them). Ordered by id; pass `next_cursor` back as `cursor` for the next page.",
            "parameters": [
              { "name": "kind", "in": "query", "required": false, "schema": { "$ref": "#/components/schemas/ConnectionKind" } },
              { "name": "status", "in": "query", "required": false, "schema": { "$ref": "#/components/schemas/ConnectionStatus" } },
              { "name": "end_user_id", "in": "query", "required": false, "description": "Your own user id the link was issued for.", "schema": { "type": "string" } },
              { "name": "q", "in": "query", "required": false, "description": "Only connections whose id, end user id, advertiser, TTCM account or open ids, display name or names contain this text (case-insensitive; blank matches all).", "schema": { "type": "string", "maxLength": 200 } },
              { "name": "health", "in": "query", "required": false, "description": "Only degraded connections: active, with refreshes or liveness checks failing transiently for longer than `TIKTOK_BUSINESS_DEGRADED_AFTER_SECONDS` (default 1 hour). `degraded` is the only value a filter selects.", "schema": { "type": "string", "enum": ["degraded"] } },
              { "name": "refresh_token_expires_before", "in": "query", "required": false, "description": "Only connections whose refresh token lapses before this instant: an ISO 8601 date-time (`2026-12-31T00:00:00Z`) or unix seconds.", "schema": { "anyOf": [ { "type": "string", "format": "date-time" }, { "type": "string", "pattern": "^[+-]?0*[0-9]{1,11}(\\.[0-9]*)?$", "description": "Unix seconds." } ] }, "examples": { "date-time": { "value": "2026-12-31T00:00:00Z" }, "unix": { "value": "1798675200" } } },
              { "name": "needs_attention", "in": "query", "required": false, "description": "`true`: only connections that need a person: re-authorization required, degraded, or active with a refresh token lapsing within 30 days (what the overview counts). `false` filters nothing.", "schema": { "type": "boolean" } },
              { "name": "cursor", "in": "query", "required": false, "description": "The `next_cursor` of the previous page.", "schema": { "$ref": "#/components/schemas/ConnectionID" } },
              { "name": "limit", "in": "query", "required": false, "schema": { "type": "integer", "minimum": 1, "maximum": 1000, "default": 50 } }
            ],
            "responses": {
              "200": {
                "description": "A page of connections.",
                "links": {
                  "GetConnection": { "operationId": "getConnection", "parameters": { "id": "$response.body#/connections/0/id" } },
                  "GetAccessToken": { "operationId": "getAccessToken", "parameters": { "id": "$response.body#/connections/0/id" } },
                  "RefreshConnection": { "operationId": "refreshConnection", "parameters": { "id": "$response.body#/connections/0/id" } },
                  "ListEvents": { "operationId": "listEvents", "parameters": { "connection_id": "$response.body#/connections/0/id" } },
                  "ProxyGet": { "operationId": "proxyGet", "parameters": { "id": "$response.body#/connections/0/id" } },
                  "RevokeConnection": { "operationId": "revokeConnection", "parameters": { "id": "$response.body#/connections/0/id" } },
                  "ListAudit": { "operationId": "listAudit", "parameters": { "connection_id": "$response.body#/connections/0/id" } },
                  "CreateProxyToken": { "operationId": "createProxyToken", "parameters": { "id": "$response.body#/connections/0/id" } },
                  "ListProxyTokens": { "operationId": "listProxyTokens", "parameters": { "id": "$response.body#/connections/0/id" } }
                },
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ConnectionList" } } }
              },
              "400": { "$ref": "#/components/responses/BadRequest" },
              "401": { "$ref": "#/components/responses/Unauthorized" },
              "403": { "$ref": "#/components/responses/Forbidden" },
              "500": { "$ref": "#/components/responses/InternalError" },
              "503": { "$ref": "#/components/responses/Unavailable" }
            }
          }
        },
        "/v1/connections/{id}": {
          "parameters": [ { "$ref": "#/components/parameters/ConnectionIDPath" } ],
          "get": {
            "operationId": "getConnection",
            "tags": ["connections"],
            "summary": "One connection, never its tokens",
            "security": [ { "bearer": ["read"] } ],
            "description": "Scope `read`.",
            "responses": {
              "200": {
                "description": "The connection.",
                "links": {
                  "CreateProxyToken": { "operationId": "createProxyToken", "parameters": { "id": "$response.body#/id" } },
                  "ListProxyTokens": { "operationId": "listProxyTokens", "parameters": { "id": "$response.body#/id" } }
                },
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Connection" } } }
              },
              "400": { "$ref": "#/components/responses/BadRequest" },
              "401": { "$ref": "#/components/responses/Unauthorized" },
              "403": { "$ref": "#/components/responses/Forbidden" },
              "404": { "$ref": "#/components/responses/NotFound" },
              "500": { "$ref": "#/components/responses/InternalError" },
              "503": { "$ref": "#/components/responses/Unavailable" }
            }
          },
          "delete": {
            "operationId": "revokeConnection",
            "tags": ["connections"],
            "summary": "Revoke at TikTok, then mark revoked",
            "security": [ { "bearer": ["admin"] } ],
            "description": "Scope `admin`; recorded in the audit trail. The connection is marked revoked and its tokens erased only when TikTok confirms the revocation or answers that the token is already invalid (40102/40104/40105). Any other answer keeps the connection and its tokens unchanged: 502 `revoke_failed` when TikTok refused (40001, 40002, 40101, an unknown code, a non-JSON page), 503 `tiktok_unavailable` on a transient failure; the error carries `tiktok_code` (or `tiktok_http_status`) and `tiktok_request_id`. Retry later.",
            "responses": {
              "200": {
                "description": "The revoked connection.",
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Connection" } } }
              },
              "400": { "$ref": "#/components/responses/BadRequest" },
              "401": { "$ref": "#/components/responses/Unauthorized" },
              "403": { "$ref": "#/components/responses/Forbidden" },
              "404": { "$ref": "#/components/responses/NotFound" },
              "409": { "$ref": "#/components/responses/Conflict" },
              "500": { "$ref": "#/components/responses/InternalError" },
              "502": { "$ref": "#/components/responses/BadGateway" },
              "503": { "$ref": "#/components/responses/Unavailable" }
            }
          }
        },
        "/v1/connections/{id}/access-token": {
          "parameters": [ { "$ref": "#/components/parameters/ConnectionIDPath" } ],
          "get": {
            "operationId": "getAccessToken",
            "tags": ["tokens"],
            "summary": "A valid access token, refreshed first if needed",
            "security": [ { "bearer": ["tokens"] } ],
            "description": "Scope `tokens`; each read is recorded in the audit trail (`token.read`) with the key that made it.",
            "responses": {
              "200": {
                "description": "The token.",
                "headers": { "Cache-Control": { "schema": { "type": "string", "const": "no-store" } } },
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/AccessToken" } } }
              },
              "400": { "$ref": "#/components/responses/BadRequest" },
              "401": { "$ref": "#/components/responses/Unauthorized" },
              "403": { "$ref": "#/components/responses/Forbidden" },
              "404": { "$ref": "#/components/responses/NotFound" },
              "409": { "$ref": "#/components/responses/Conflict" },
              "500": { "$ref": "#/components/responses/InternalError" },
              "502": { "$ref": "#/components/responses/BadGateway" },
              "503": { "$ref": "#/components/responses/Unavailable" }
            }
          }
        },
        "/v1/connections/{id}/refresh": {
          "parameters": [ { "$ref": "#/components/parameters/ConnectionIDPath" } ],
          "post": {
            "operationId": "refreshConnection",
            "tags": ["connections"],
            "summary": "Refresh now (tiktok_account and creator kinds)",
            "security": [ { "bearer": ["admin"] } ],
            "description": "Scope `admin`; recorded in the audit trail. Advertiser and TTCM tokens never expire; refreshing them is a 409 (`not_refreshable`).",
            "responses": {
              "200": {
                "description": "The refreshed connection.",
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Connection" } } }
              },
              "400": { "$ref": "#/components/responses/BadRequest" },
              "401": { "$ref": "#/components/responses/Unauthorized" },
              "403": { "$ref": "#/components/responses/Forbidden" },
              "404": { "$ref": "#/components/responses/NotFound" },
              "409": { "$ref": "#/components/responses/Conflict" },
              "500": { "$ref": "#/components/responses/InternalError" },
              "502": { "$ref": "#/components/responses/BadGateway" },
              "503": { "$ref": "#/components/responses/Unavailable" }
            }
          }
        },
        "/v1/connections/{id}/proxy-tokens": {
          "parameters": [ { "$ref": "#/components/parameters/ConnectionIDPath" } ],
          "get": {
            "operationId": "listProxyTokens",
            "tags": ["proxy-tokens"],
            "summary": "A connection's proxy tokens, never their secrets",
            "security": [ { "bearer": ["read"] } ],
            "description": "Scope `read`. Newest first, revoked and expired ones included (with `revoked_at` and `expires_at`). Same as `tiktok-business proxy-tokens list {id}`.",
            "responses": {
              "200": {
                "description": "The proxy tokens.",
                "links": {
                  "RevokeProxyToken": { "operationId": "revokeProxyToken", "parameters": { "tokenID": "$response.body#/proxy_tokens/0/id" } }
                },
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ProxyTokenList" } } }
              },
              "400": { "$ref": "#/components/responses/BadRequest" },
              "401": { "$ref": "#/components/responses/Unauthorized" },
              "403": { "$ref": "#/components/responses/Forbidden" },
              "404": { "$ref": "#/components/responses/NotFound" },
              "500": { "$ref": "#/components/responses/InternalError" },
              "503": { "$ref": "#/components/responses/Unavailable" }
            }
          },
          "post": {
            "operationId": "createProxyToken",
            "tags": ["proxy-tokens"],
            "summary": "Issue a proxy token for the drop-in endpoint",
            "security": [ { "bearer": ["tokens"] } ],
            "description": "Scope `tokens`; recorded in the audit trail (`proxy_token.created`). A proxy token is what an existing TikTok client sends as its `Access-Token` to the drop-in endpoint (`/open_api/v1.3/…`) in place of the connection's real access token, which it never sees. The answer carries the token (`tbp_…`) this once; only its hash is stored. It keeps working across refreshes and reconnects of the connection, and stops when revoked, when it expires or when the connection is revoked. The body is optional: without `expires_in` it works until revoked, without `allowed_paths` it may call every TikTok path. A revoked connection is a 409 (`revoked`). Same as `tiktok-business proxy-tokens create {id} --expires-in … --allow …`.",
            "requestBody": {
              "required": false,
              "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ProxyTokenRequest" } } }
            },
            "responses": {
              "201": {
                "description": "The proxy token, with its secret shown once.",
                "headers": { "Cache-Control": { "schema": { "type": "string", "const": "no-store" } } },
                "links": {
                  "RevokeProxyToken": { "operationId": "revokeProxyToken", "parameters": { "tokenID": "$response.body#/id" } },
                  "ListProxyTokens": { "operationId": "listProxyTokens", "parameters": { "id": "$response.body#/connection_id" } }
                },
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/CreatedProxyToken" } } }
              },
              "400": { "$ref": "#/components/responses/BadRequest" },
              "401": { "$ref": "#/components/responses/Unauthorized" },
              "403": { "$ref": "#/components/responses/Forbidden" },
              "404": { "$ref": "#/components/responses/NotFound" },
              "409": { "$ref": "#/components/responses/Conflict" },
              "413": { "$ref": "#/components/responses/ContentTooLarge" },
              "500": { "$ref": "#/components/responses/InternalError" },
              "503": { "$ref": "#/components/responses/Unavailable" }
            }
          }
        },
        "/v1/proxy-tokens/{tokenID}": {
          "parameters": [ { "$ref": "#/components/parameters/ProxyTokenIDPath" } ],
          "delete": {
            "operationId": "revokeProxyToken",
            "tags": ["proxy-tokens"],
            "summary": "Revoke a proxy token",
            "security": [ { "bearer": ["tokens"] } ],
            "description": "Scope `tokens`; recorded in the audit trail (`proxy_token.revoked`). The drop-in endpoint refuses the token (40105) at once on this instance and within 2 seconds on others; it stays listed with `revoked_at`. Revoking a revoked token changes nothing. Same as `tiktok-business proxy-tokens revoke {tokenID}`.",
            "responses": {
              "200": {
                "description": "The revoked proxy token.",
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ProxyToken" } } }
              },
              "400": { "$ref": "#/components/responses/BadRequest" },
              "401": { "$ref": "#/components/responses/Unauthorized" },
              "403": { "$ref": "#/components/responses/Forbidden" },
              "404": { "$ref": "#/components/responses/ProxyTokenNotFound" },
              "500": { "$ref": "#/components/responses/InternalError" },
              "503": { "$ref": "#/components/responses/Unavailable" }
            }
          }
        },
        "/v1/events": {
          "get": {
            "operationId": "listEvents",
            "tags": ["events"],
            "summary": "The event log, oldest first",
            "security": [ { "bearer": ["read"] } ],
            "description": "Scope `read`. Pass `next_cursor` back as `after` to read on; it stays at `after` when nothing new happened.",
            "parameters": [
              { "name": "after", "in": "query", "required": false, "description": "Only events with a larger sequence.", "schema": { "type": "integer", "format": "int64", "minimum": 0, "default": 0 } },
              { "name": "connection_id", "in": "query", "required": false, "schema": { "$ref": "#/components/schemas/ConnectionID" } },
              { "name": "limit", "in": "query", "required": false, "schema": { "type": "integer", "minimum": 1, "maximum": 1000, "default": 100 } }
            ],
            "responses": {
              "200": {
                "description": "A page of events.",
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/EventList" } } }
              },
              "400": { "$ref": "#/components/responses/BadRequest" },
              "401": { "$ref": "#/components/responses/Unauthorized" },
              "403": { "$ref": "#/components/responses/Forbidden" },
              "500": { "$ref": "#/components/responses/InternalError" },
              "503": { "$ref": "#/components/responses/Unavailable" }
            }
          }
        },
        "/v1/overview": {
          "get": {
            "operationId": "getOverview",
            "tags": ["operations"],
            "summary": "Counts by kind and status, and what needs a person",
            "security": [ { "bearer": ["read"] } ],
            "description": "Scope `read`. What the people running many connections look at first; `degraded` and `refresh_tokens_lapsing` count active connections only.",
            "responses": {
              "200": {
                "description": "The overview.",
                "links": {
                  "ListDegraded": { "operationId": "listConnections", "parameters": { "health": "degraded" } },
                  "ListNeedingAttention": { "operationId": "listConnections", "parameters": { "needs_attention": "true" } },
                  "ListReauthorizationRequired": { "operationId": "listConnections", "parameters": { "status": "reauthorization_required" } }
                },
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Overview" } } }
              },
              "400": { "$ref": "#/components/responses/BadRequest" },
              "401": { "$ref": "#/components/responses/Unauthorized" },
              "403": { "$ref": "#/components/responses/Forbidden" },
              "500": { "$ref": "#/components/responses/InternalError" },
              "503": { "$ref": "#/components/responses/Unavailable" }
            }
          }
        },
        "/v1/audit": {
          "get": {
            "operationId": "listAudit",
            "tags": ["operations"],
            "summary": "The audit trail, newest first",
            "security": [ { "bearer": ["read"] } ],
            "description": "Scope `read`. Who read a token, created a link, refreshed or revoked a connection, created or revoked an API key, issued or revoked a proxy token, signed in to the admin page. Pass `next_cursor` back as `before` for older entries. The first page (no `before`) also carries `proxy_usage`: proxied calls are not logged one by one but counted per connection, key and day.",
            "parameters": [
              { "name": "before", "in": "query", "required": false, "description": "Only entries with a smaller sequence (the previous page's `next_cursor`); without it, the newest.", "schema": { "type": "integer", "format": "int64", "minimum": 1 } },
              { "name": "connection_id", "in": "query", "required": false, "description": "Only entries (and proxy use) of this connection.", "schema": { "$ref": "#/components/schemas/ConnectionID" } },
              { "name": "limit", "in": "query", "required": false, "schema": { "type": "integer", "minimum": 1, "maximum": 1000, "default": 100 } }
            ],
            "responses": {
              "200": {
                "description": "A page of audit entries.",
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/AuditList" } } }
              },
              "400": { "$ref": "#/components/responses/BadRequest" },
              "401": { "$ref": "#/components/responses/Unauthorized" },
              "403": { "$ref": "#/components/responses/Forbidden" },
              "500": { "$ref": "#/components/responses/InternalError" },
              "503": { "$ref": "#/components/responses/Unavailable" }
            }
          }
        },
        "/v1/api-keys": {
          "get": {
            "operationId": "listAPIKeys",
            "tags": ["api-keys"],
            "summary": "List named API keys, never their secrets",
            "security": [ { "bearer": ["admin"] } ],
            "description": "Scope `admin`. Oldest first, revoked keys included (with `revoked_at`). `TIKTOK_BUSINESS_API_KEY` is not listed.",
            "responses": {
              "200": {
                "description": "The keys.",
                "links": {
                  "RevokeAPIKey": { "operationId": "revokeAPIKey", "parameters": { "keyID": "$response.body#/api_keys/0/id" } }
                },
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/APIKeyList" } } }
              },
              "400": { "$ref": "#/components/responses/BadRequest" },
              "401": { "$ref": "#/components/responses/Unauthorized" },
              "403": { "$ref": "#/components/responses/Forbidden" },
              "500": { "$ref": "#/components/responses/InternalError" },
              "503": { "$ref": "#/components/responses/Unavailable" }
            }
          },
          "post": {
            "operationId": "createAPIKey",
            "tags": ["api-keys"],
            "summary": "Create a named API key",
            "security": [ { "bearer": ["admin"] } ],
            "description": "Scope `admin`; recorded in the audit trail (`api_key.created`). The answer carries the key (`tbk_…`) this once; only its hash is stored. Same as `tiktok-business api-keys create --name … --scope …`.",
            "requestBody": {
              "required": true,
              "content": { "application/json": { "schema": { "$ref": "#/components/schemas/APIKeyRequest" } } }
            },
            "responses": {
              "201": {
                "description": "The key, with its secret shown once.",
                "headers": { "Cache-Control": { "schema": { "type": "string", "const": "no-store" } } },
                "links": {
                  "RevokeAPIKey": { "operationId": "revokeAPIKey", "parameters": { "keyID": "$response.body#/id" } }
                },
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/CreatedAPIKey" } } }
              },
              "400": { "$ref": "#/components/responses/BadRequest" },
              "401": { "$ref": "#/components/responses/Unauthorized" },
              "403": { "$ref": "#/components/responses/Forbidden" },
              "413": { "$ref": "#/components/responses/ContentTooLarge" },
              "500": { "$ref": "#/components/responses/InternalError" },
              "503": { "$ref": "#/components/responses/Unavailable" }
            }
          }
        },
        "/v1/api-keys/{keyID}": {
          "parameters": [ { "$ref": "#/components/parameters/APIKeyIDPath" } ],
          "delete": {
            "operationId": "revokeAPIKey",
            "tags": ["api-keys"],
            "summary": "Revoke a named API key",
            "security": [ { "bearer": ["admin"] } ],
            "description": "Scope `admin`; recorded in the audit trail (`api_key.revoked`). The key is refused at once by this instance and within 5 seconds by others; it stays listed with `revoked_at`. Revoking a revoked key changes nothing.",
            "responses": {
              "200": {
                "description": "The revoked key.",
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/APIKey" } } }
              },
              "400": { "$ref": "#/components/responses/BadRequest" },
              "401": { "$ref": "#/components/responses/Unauthorized" },
              "403": { "$ref": "#/components/responses/Forbidden" },
              "404": { "$ref": "#/components/responses/APIKeyNotFound" },
              "500": { "$ref": "#/components/responses/InternalError" },
              "503": { "$ref": "#/components/responses/Unavailable" }
            }
          }
        },
        "/v1/proxy/{id}/{path}": {
          "parameters": [
            { "$ref": "#/components/parameters/ConnectionIDPath" },
            { "$ref": "#/components/parameters/ProxyPath" }
          ],
          "get": { "operationId": "proxyGet", "tags": ["proxy"], "security": [ { "bearer": ["tokens"] } ], "summary": "GET through the vault", "description": "Scope `tokens`; calls are counted per connection, key and day (the audit trail's `proxy_usage`). Relays to `TIKTOK_API_BASE_URL/{path}/` with the query string and the connection's `Access-Token`. Retried on 40100/50000/50002/5xx. Calls share the app's QPS budget (`TIKTOK_RATE_LIMIT_QPS`, across every instance): a call that would wait longer than `TIKTOK_RATE_LIMIT_MAX_WAIT_SECONDS` for it is answered 429 `qps_budget_exhausted` with `Retry-After`. An account/creator token TikTok refuses (40102/40105) is refreshed once and the call retried.", "responses": { "200": { "description": "TikTok's answer.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/TikTokEnvelope" } } } }, "400": { "$ref": "#/components/responses/ProxyError" }, "401": { "$ref": "#/components/responses/ProxyError" }, "403": { "$ref": "#/components/responses/ProxyError" }, "404": { "$ref": "#/components/responses/ProxyError" }, "409": { "$ref": "#/components/responses/ProxyError" }, "413": { "$ref": "#/components/responses/ProxyError" }, "429": { "$ref": "#/components/responses/ProxyBudgetExhausted" }, "500": { "$ref": "#/components/responses/ProxyError" }, "502": { "$ref": "#/components/responses/ProxyError" }, "503": { "$ref": "#/components/responses/ProxyError" }, "default": { "description": "TikTok's answer relayed with its own status." } } },
          "head": { "operationId": "proxyHead", "tags": ["proxy"], "security": [ { "bearer": ["tokens"] } ], "summary": "HEAD through the vault", "description": "Scope `tokens`.", "responses": { "200": { "description": "TikTok's answer.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/TikTokEnvelope" } } } }, "400": { "$ref": "#/components/responses/ProxyError" }, "401": { "$ref": "#/components/responses/ProxyError" }, "403": { "$ref": "#/components/responses/ProxyError" }, "404": { "$ref": "#/components/responses/ProxyError" }, "409": { "$ref": "#/components/responses/ProxyError" }, "413": { "$ref": "#/components/responses/ProxyError" }, "429": { "$ref": "#/components/responses/ProxyBudgetExhausted" }, "500": { "$ref": "#/components/responses/ProxyError" }, "502": { "$ref": "#/components/responses/ProxyError" }, "503": { "$ref": "#/components/responses/ProxyError" }, "default": { "description": "TikTok's answer relayed with its own status." } } },
          "post": { "operationId": "proxyPost", "tags": ["proxy"], "security": [ { "bearer": ["tokens"] } ], "summary": "POST through the vault", "description": "Scope `tokens`. The body (up to 10 MiB by default) and `Content-Type` are relayed; only rate-limit answers are retried.", "requestBody": { "$ref": "#/components/requestBodies/ProxyBody" }, "responses": { "200": { "description": "TikTok's answer.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/TikTokEnvelope" } } } }, "400": { "$ref": "#/components/responses/ProxyError" }, "401": { "$ref": "#/components/responses/ProxyError" }, "403": { "$ref": "#/components/responses/ProxyError" }, "404": { "$ref": "#/components/responses/ProxyError" }, "409": { "$ref": "#/components/responses/ProxyError" }, "413": { "$ref": "#/components/responses/ProxyError" }, "429": { "$ref": "#/components/responses/ProxyBudgetExhausted" }, "500": { "$ref": "#/components/responses/ProxyError" }, "502": { "$ref": "#/components/responses/ProxyError" }, "503": { "$ref": "#/components/responses/ProxyError" }, "default": { "description": "TikTok's answer relayed with its own status." } } },
          "put": { "operationId": "proxyPut", "tags": ["proxy"], "security": [ { "bearer": ["tokens"] } ], "summary": "PUT through the vault", "description": "Scope `tokens`.", "requestBody": { "$ref": "#/components/requestBodies/ProxyBody" }, "responses": { "200": { "description": "TikTok's answer.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/TikTokEnvelope" } } } }, "400": { "$ref": "#/components/responses/ProxyError" }, "401": { "$ref": "#/components/responses/ProxyError" }, "403": { "$ref": "#/components/responses/ProxyError" }, "404": { "$ref": "#/components/responses/ProxyError" }, "409": { "$ref": "#/components/responses/ProxyError" }, "413": { "$ref": "#/components/responses/ProxyError" }, "429": { "$ref": "#/components/responses/ProxyBudgetExhausted" }, "500": { "$ref": "#/components/responses/ProxyError" }, "502": { "$ref": "#/components/responses/ProxyError" }, "503": { "$ref": "#/components/responses/ProxyError" }, "default": { "description": "TikTok's answer relayed with its own status." } } },
          "patch": { "operationId": "proxyPatch", "tags": ["proxy"], "security": [ { "bearer": ["tokens"] } ], "summary": "PATCH through the vault", "description": "Scope `tokens`.", "requestBody": { "$ref": "#/components/requestBodies/ProxyBody" }, "responses": { "200": { "description": "TikTok's answer.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/TikTokEnvelope" } } } }, "400": { "$ref": "#/components/responses/ProxyError" }, "401": { "$ref": "#/components/responses/ProxyError" }, "403": { "$ref": "#/components/responses/ProxyError" }, "404": { "$ref": "#/components/responses/ProxyError" }, "409": { "$ref": "#/components/responses/ProxyError" }, "413": { "$ref": "#/components/responses/ProxyError" }, "429": { "$ref": "#/components/responses/ProxyBudgetExhausted" }, "500": { "$ref": "#/components/responses/ProxyError" }, "502": { "$ref": "#/components/responses/ProxyError" }, "503": { "$ref": "#/components/responses/ProxyError" }, "default": { "description": "TikTok's answer relayed with its own status." } } },
          "delete": { "operationId": "proxyDelete", "tags": ["proxy"], "security": [ { "bearer": ["tokens"] } ], "summary": "DELETE through the vault", "description": "Scope `tokens`.", "responses": { "200": { "description": "TikTok's answer, without a body." }, "400": { "$ref": "#/components/responses/ProxyError" }, "401": { "$ref": "#/components/responses/ProxyError" }, "403": { "$ref": "#/components/responses/ProxyError" }, "404": { "$ref": "#/components/responses/ProxyError" }, "409": { "$ref": "#/components/responses/ProxyError" }, "413": { "$ref": "#/components/responses/ProxyError" }, "429": { "$ref": "#/components/responses/ProxyBudgetExhausted" }, "500": { "$ref": "#/components/responses/ProxyError" }, "502": { "$ref": "#/components/responses/ProxyError" }, "503": { "$ref": "#/components/responses/ProxyError" }, "default": { "description": "TikTok's answer relayed with its own status." } } }
        }
      },
      "components": {
        "securitySchemes": {
          "bearer": { "type": "http", "scheme": "bearer", "description": "`TIKTOK_BUSINESS_API_KEY` (every scope), or a named API key `tbk_…` created with `POST /v1/api-keys` or `tiktok-business api-keys create` (shown once, stored only as a hash; a revoked key is refused within 5 seconds on every instance). A named key has one scope: `read` (connections and their proxy tokens, events, the overview, the audit trail), `tokens` (`read`, plus access tokens, the proxy, and issuing and revoking proxy tokens) or `admin` (everything: links, refresh, revoke, API keys, the admin page). The roles of an operation's security requirement name the scope it needs; a key without it gets 403 `insufficient_scope`." }
        },
        "parameters": {
          "ConnectionIDPath": { "name": "id", "in": "path", "required": true, "schema": { "$ref": "#/components/schemas/ConnectionID" } },
          "APIKeyIDPath": { "name": "keyID", "in": "path", "required": true, "schema": { "$ref": "#/components/schemas/APIKeyID" } },
          "ProxyTokenIDPath": { "name": "tokenID", "in": "path", "required": true, "schema": { "$ref": "#/components/schemas/ProxyTokenID" } },
          "ProxyPath": { "name": "path", "in": "path", "required": true, "description": "A TikTok API path below the base URL, e.g. `campaign/get` or `business/get` (may span several segments; letters, digits, `_`, `-`, `.`; no `..`).", "schema": { "type": "string", "pattern": "^[A-Za-z0-9_.\\-]+(/[A-Za-z0-9_.\\-]+)*/?$" } }
        },
        "requestBodies": {
          "ProxyBody": { "required": false, "content": { "application/json": { "schema": {} }, "*/*": { "schema": {} } } }
        },
        "schemas": {
          "ConnectionID": { "type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[A-Za-z0-9_-]+$", "examples": ["conn_3f9a2c"] },
          "ConnectionKind": { "type": "string", "enum": ["advertiser", "tiktok_account", "tcm_account", "creator"] },
          "ConnectionStatus": { "type": "string", "enum": ["active", "reauthorization_required", "revoked"] },
          "ConnectionHealth": { "type": "string", "enum": ["ok", "degraded"], "description": "Whether background work succeeds, separate from `status`: `degraded` when an active connection's refreshes or liveness checks have been failing transiently for longer than `TIKTOK_BUSINESS_DEGRADED_AFTER_SECONDS` (default 1 hour); its next success records `connection.recovered`." },
          "APIKeyID": { "type": "string", "minLength": 4, "maxLength": 40, "pattern": "^key_[A-Za-z0-9_]*$", "examples": ["key_9c2e51a07f3b4d18"] },
          "ProxyTokenID": { "type": "string", "minLength": 4, "maxLength": 40, "pattern": "^ptk_[A-Za-z0-9_]*$", "examples": ["ptk_4f1a9c03d2b7e865"] },
          "APIKeyScope": { "type": "string", "enum": ["read", "tokens", "admin"], "description": "Each includes the ones before it. `read`: connections and their proxy tokens, events, the overview, the audit trail. `tokens`: plus access tokens, the proxy, and issuing and revoking proxy tokens. `admin`: everything, including links, refresh, revoke, API keys and the admin page." },
          "Timestamp": { "type": "string", "format": "date-time" },
          "NullableTimestamp": { "type": ["string", "null"], "format": "date-time" },
          "ConnectLinkRequest": {
            "type": "object",
            "required": ["kind"],
            "properties": {
              "kind": { "$ref": "#/components/schemas/ConnectionKind" },
              "end_user_id": { "type": ["string", "null"], "minLength": 1, "maxLength": 256, "description": "Your own user id, kept on the connection." },
              "reconnect_connection_id": { "oneOf": [ { "$ref": "#/components/schemas/ConnectionID" }, { "type": "null" } ], "description": "Re-authorize this connection in place." },
              "force_consent": { "type": ["boolean", "null"], "default": false, "description": "Ask the account holder again (`disable_auto_auth=1`)." },
              "expires_in": { "type": ["number", "null"], "minimum": 60, "maximum": 7776000, "description": "Link lifetime in seconds; the vault's default when absent." }
            }
          },
          "ConnectLink": {
            "type": "object",
            "required": ["url", "expires_at"],
            "properties": {
              "url": { "type": "string", "format": "uri", "description": "TikTok's authorization URL itself, ready to send." },
              "expires_at": { "$ref": "#/components/schemas/Timestamp" }
            }
          },
          "Connection": {
            "type": "object",
            "description": "Fields that do not apply to a kind are null. Never a token.",
            "required": ["id", "kind", "status", "status_reason", "health", "failing_since", "end_user_id", "display_name", "names", "avatar_url", "advertiser_ids", "open_id", "tto_tcm_account_ids", "scopes", "access_token_expires_at", "refresh_token_expires_at", "last_refreshed_at", "last_checked_at", "created_at", "updated_at"],
            "properties": {
              "id": { "$ref": "#/components/schemas/ConnectionID" },
              "kind": { "$ref": "#/components/schemas/ConnectionKind" },
              "status": { "$ref": "#/components/schemas/ConnectionStatus" },
              "status_reason": { "type": ["string", "null"] },
              "health": { "$ref": "#/components/schemas/ConnectionHealth" },
              "failing_since": { "$ref": "#/components/schemas/NullableTimestamp", "description": "Since when refreshes or liveness checks have been failing transiently without a success in between; null while they succeed." },
              "end_user_id": { "type": ["string", "null"] },
              "display_name": { "type": ["string", "null"], "description": "The name TikTok gives the account (the account holder's or creator's display name, the TTCM account's name, the first advertiser's name); null until known." },
              "names": { "type": "object", "additionalProperties": { "type": "string" }, "description": "The name of each identity (advertiser id, TTCM account id or open id) TikTok named; empty until known." },
              "avatar_url": { "type": ["string", "null"], "format": "uri", "description": "The profile image (tiktok_account and creator kinds); null until known." },
              "advertiser_ids": { "type": ["array", "null"], "items": { "type": "string" }, "description": "advertiser and tcm_account kinds." },
              "open_id": { "type": ["string", "null"], "description": "tiktok_account and creator kinds." },
              "tto_tcm_account_ids": { "type": ["array", "null"], "items": { "type": "string" }, "description": "tcm_account kind." },
              "scopes": { "type": "array", "items": { "type": "string" } },
              "access_token_expires_at": { "$ref": "#/components/schemas/NullableTimestamp" },
              "refresh_token_expires_at": { "$ref": "#/components/schemas/NullableTimestamp" },
              "last_refreshed_at": { "$ref": "#/components/schemas/NullableTimestamp" },
              "last_checked_at": { "$ref": "#/components/schemas/NullableTimestamp" },
              "created_at": { "$ref": "#/components/schemas/Timestamp" },
              "updated_at": { "$ref": "#/components/schemas/Timestamp" }
            }
          },
          "ConnectionList": {
            "type": "object",
            "required": ["connections", "next_cursor"],
            "properties": {
              "connections": { "type": "array", "items": { "$ref": "#/components/schemas/Connection" } },
              "next_cursor": { "oneOf": [ { "$ref": "#/components/schemas/ConnectionID" }, { "type": "null" } ], "description": "null on the last page." }
            }
          },
          "AccessToken": {
            "type": "object",
            "required": ["connection_id", "access_token", "expires_at"],
            "properties": {
              "connection_id": { "$ref": "#/components/schemas/ConnectionID" },
              "access_token": { "type": "string" },
              "expires_at": { "$ref": "#/components/schemas/NullableTimestamp", "description": "null for tokens that never expire (advertiser, tcm_account)." }
            }
          },
          "Event": {
            "type": "object",
            "required": ["sequence", "id", "type", "connection_id", "occurred_at", "data"],
            "properties": {
              "sequence": { "type": "integer", "format": "int64", "minimum": 1 },
              "id": { "type": "string" },
              "type": { "type": "string", "examples": ["connection.created", "connection.reauthorized", "token.refreshed", "refresh.failed", "refresh_token_expiring", "reauthorization_required", "connection.revoked", "connection.recovered", "advertisers.changed"] },
              "connection_id": { "$ref": "#/components/schemas/ConnectionID" },
              "occurred_at": { "$ref": "#/components/schemas/Timestamp" },
              "data": { "type": "object", "additionalProperties": { "type": "string" } },
              "webhook": { "oneOf": [ { "$ref": "#/components/schemas/WebhookDelivery" }, { "type": "null" } ], "description": "Present only when webhooks are configured: the event's delivery, or null for events older than webhooks on this database." }
            }
          },
          "WebhookDelivery": {
            "type": "object",
            "description": "Where the webhook of an event stands. Pending deliveries are retried from 1 s, doubling up to 10 minutes between attempts, for at least 24 hours; a connection's events go out in order.",
            "required": ["state", "attempts", "last_attempt_at", "last_status_code", "last_error", "next_attempt_at", "delivered_at"],
            "properties": {
              "state": { "type": "string", "enum": ["pending", "delivered", "failed"] },
              "attempts": { "type": "integer", "minimum": 0 },
              "last_attempt_at": { "$ref": "#/components/schemas/NullableTimestamp" },
              "last_status_code": { "type": ["integer", "null"], "description": "The receiver's HTTP status on the last attempt; null when it did not answer." },
              "last_error": { "type": ["string", "null"] },
              "next_attempt_at": { "$ref": "#/components/schemas/NullableTimestamp", "description": "Set while pending." },
              "delivered_at": { "$ref": "#/components/schemas/NullableTimestamp" }
            }
          },
          "EventList": {
            "type": "object",
            "required": ["events", "next_cursor"],
            "properties": {
              "events": { "type": "array", "items": { "$ref": "#/components/schemas/Event" } },
              "next_cursor": { "type": "integer", "format": "int64", "minimum": 0, "description": "Pass as `after`." }
            }
          },
          "Overview": {
            "type": "object",
            "required": ["total", "counts", "reauthorization_required", "degraded", "refresh_tokens_lapsing", "at"],
            "properties": {
              "total": { "type": "integer", "minimum": 0, "description": "All connections." },
              "counts": { "type": "array", "items": { "$ref": "#/components/schemas/ConnectionCount" }, "description": "By kind and status, ordered by kind and status; pairs without connections are left out." },
              "reauthorization_required": { "type": "integer", "minimum": 0, "description": "Connections that need re-authorization." },
              "degraded": { "type": "integer", "minimum": 0, "description": "Active connections failing transiently for longer than `TIKTOK_BUSINESS_DEGRADED_AFTER_SECONDS` (`?health=degraded`)." },
              "refresh_tokens_lapsing": { "type": "integer", "minimum": 0, "description": "Active connections whose refresh token lapses within 30 days." },
              "at": { "$ref": "#/components/schemas/Timestamp", "description": "When it was computed." }
            }
          },
          "ConnectionCount": {
            "type": "object",
            "required": ["kind", "status", "count"],
            "properties": {
              "kind": { "$ref": "#/components/schemas/ConnectionKind" },
              "status": { "$ref": "#/components/schemas/ConnectionStatus" },
              "count": { "type": "integer", "minimum": 1 }
            }
          },
          "AuditEntry": {
            "type": "object",
            "description": "Who did what. Never a token or a key.",
            "required": ["id", "sequence", "occurred_at", "action", "connection_id", "actor", "request_id", "data"],
            "properties": {
              "id": { "type": "string", "examples": ["aud_5b0c9e2f71a4d3386e1f0b92"] },
              "sequence": { "type": "integer", "format": "int64", "minimum": 1 },
              "occurred_at": { "$ref": "#/components/schemas/Timestamp" },
              "action": { "type": "string", "examples": ["token.read", "connection.revoked", "connection.refreshed", "link.created", "api_key.created", "api_key.revoked", "proxy_token.created", "proxy_token.revoked", "admin.signed_in"] },
              "connection_id": { "oneOf": [ { "$ref": "#/components/schemas/ConnectionID" }, { "type": "null" } ], "description": "The connection it concerns; null for new links, API keys and sign-ins." },
              "actor": { "type": "string", "description": "Who did it: `api_key:primary` (`TIKTOK_BUSINESS_API_KEY`), `api_key:key_…` (a named key), `admin:{key id}` (an admin page session), `proxy_token:ptk_…` (calls through the drop-in endpoint, in `proxy_usage`) or `cli`.", "examples": ["api_key:primary", "api_key:key_9c2e51a07f3b4d18", "admin:primary", "proxy_token:ptk_4f1a9c03d2b7e865", "cli"] },
              "request_id": { "type": ["string", "null"], "description": "The request's `X-Request-ID` (or the id the service gave it); null when it did not come over HTTP." },
              "data": { "type": "object", "additionalProperties": { "type": "string" }, "description": "Details, e.g. a link's `kind` and `end_user_id`, a key's `key_id`, `name` and `scope`, a proxy token's `proxy_token_id`, `allowed_paths` and `expires_at`." }
            }
          },
          "ProxyUsage": {
            "type": "object",
            "description": "Proxied calls by one key (or proxy token, at the drop-in endpoint) with one connection on one UTC day.",
            "required": ["connection_id", "day", "actor", "calls", "errors"],
            "properties": {
              "connection_id": { "$ref": "#/components/schemas/ConnectionID" },
              "day": { "type": "string", "format": "date", "examples": ["2026-12-03"] },
              "actor": { "type": "string", "description": "As an audit entry's `actor`." },
              "calls": { "type": "integer", "minimum": 0, "description": "Calls forwarded to TikTok." },
              "errors": { "type": "integer", "minimum": 0, "description": "Of those, calls answered with an HTTP error or a non-zero TikTok code." }
            }
          },
          "AuditList": {
            "type": "object",
            "required": ["entries", "next_cursor"],
            "properties": {
              "entries": { "type": "array", "items": { "$ref": "#/components/schemas/AuditEntry" } },
              "next_cursor": { "type": ["integer", "null"], "format": "int64", "minimum": 1, "description": "Pass as `before` for older entries; null on the last page." },
              "proxy_usage": { "type": "array", "items": { "$ref": "#/components/schemas/ProxyUsage" }, "description": "Only on the first page (no `before`): proxy use over the last 30 days (of `connection_id` when given), newest day first." }
            }
          },
          "APIKey": {
            "type": "object",
            "description": "A named API key, never its secret.",
            "required": ["id", "name", "scope", "created_at", "revoked_at"],
            "properties": {
              "id": { "$ref": "#/components/schemas/APIKeyID" },
              "name": { "type": "string", "minLength": 1, "maxLength": 100 },
              "scope": { "$ref": "#/components/schemas/APIKeyScope" },
              "created_at": { "$ref": "#/components/schemas/Timestamp" },
              "revoked_at": { "$ref": "#/components/schemas/NullableTimestamp", "description": "Set once revoked; a revoked key is refused." }
            }
          },
          "CreatedAPIKey": {
            "type": "object",
            "description": "A new API key, with its secret: shown only this once.",
            "required": ["id", "name", "scope", "created_at", "revoked_at", "key"],
            "properties": {
              "id": { "$ref": "#/components/schemas/APIKeyID" },
              "name": { "type": "string", "minLength": 1, "maxLength": 100 },
              "scope": { "$ref": "#/components/schemas/APIKeyScope" },
              "created_at": { "$ref": "#/components/schemas/Timestamp" },
              "revoked_at": { "$ref": "#/components/schemas/NullableTimestamp" },
              "key": { "type": "string", "pattern": "^tbk_[A-Za-z0-9_-]{43}$", "description": "The key: `Authorization: Bearer tbk_…`. Only its hash is stored; it cannot be shown again." }
            }
          },
          "APIKeyList": {
            "type": "object",
            "required": ["api_keys"],
            "properties": {
              "api_keys": { "type": "array", "items": { "$ref": "#/components/schemas/APIKey" } }
            }
          },
          "APIKeyRequest": {
            "type": "object",
            "required": ["name", "scope"],
            "properties": {
              "name": { "type": "string", "minLength": 1, "maxLength": 100, "pattern": "[^\\t \\u00a0\\u1680\\u2000-\\u200a\\u202f\\u205f\\u3000]", "description": "A name for people, e.g. `reporting-proxy`; spaces around it are trimmed, and it may not be blank." },
              "scope": { "$ref": "#/components/schemas/APIKeyScope" }
            }
          },
          "ProxyTokenAllowedPath": { "type": "string", "minLength": 1, "maxLength": 200, "pattern": "^/[a-z0-9_./-]*\\*?$", "description": "A TikTok API path below `/open_api/v1.3`, e.g. `/advertiser/info/`, or a prefix ending in `*`, e.g. `/report/*` (lowercase letters, digits, `_ - . /`; no `..`). A trailing slash does not matter.", "examples": ["/advertiser/info/", "/report/*"] },
          "ProxyTokenRequest": {
            "type": "object",
            "properties": {
              "expires_in": { "type": ["number", "null"], "minimum": 60, "maximum": 31622400, "description": "Seconds until it stops working (60 s to 366 days); absent or null: it works until revoked." },
              "allowed_paths": { "type": ["array", "null"], "minItems": 1, "maxItems": 100, "items": { "$ref": "#/components/schemas/ProxyTokenAllowedPath" }, "description": "The TikTok API paths it may call; absent or null: every path. The drop-in endpoint answers others with 40001." }
            }
          },
          "ProxyToken": {
            "type": "object",
            "description": "A connection-scoped proxy token, never its secret: what an existing TikTok client sends as its `Access-Token` to the drop-in endpoint (`/open_api/v1.3/{path…}`, TikTok's own paths, outside `/v1`), which swaps it for the connection's real access token on the way out. It keeps working across refreshes and reconnects of its connection; a revoked or expired token, or one of a revoked connection, is refused there in TikTok's shape (40105).",
            "required": ["id", "connection_id", "allowed_paths", "created_at", "expires_at", "revoked_at", "created_by"],
            "properties": {
              "id": { "$ref": "#/components/schemas/ProxyTokenID" },
              "connection_id": { "$ref": "#/components/schemas/ConnectionID" },
              "allowed_paths": { "type": ["array", "null"], "items": { "$ref": "#/components/schemas/ProxyTokenAllowedPath" }, "description": "null: every path." },
              "created_at": { "$ref": "#/components/schemas/Timestamp" },
              "expires_at": { "$ref": "#/components/schemas/NullableTimestamp", "description": "null: it never expires." },
              "revoked_at": { "$ref": "#/components/schemas/NullableTimestamp", "description": "Set once revoked." },
              "created_by": { "type": "string", "description": "Who issued it, as an audit entry's `actor`.", "examples": ["api_key:key_9c2e51a07f3b4d18", "cli"] }
            }
          },
          "CreatedProxyToken": {
            "type": "object",
            "description": "A new proxy token, with its secret: shown only this once.",
            "required": ["id", "connection_id", "allowed_paths", "created_at", "expires_at", "revoked_at", "created_by", "token"],
            "properties": {
              "id": { "$ref": "#/components/schemas/ProxyTokenID" },
              "connection_id": { "$ref": "#/components/schemas/ConnectionID" },
              "allowed_paths": { "type": ["array", "null"], "items": { "$ref": "#/components/schemas/ProxyTokenAllowedPath" } },
              "created_at": { "$ref": "#/components/schemas/Timestamp" },
              "expires_at": { "$ref": "#/components/schemas/NullableTimestamp" },
              "revoked_at": { "$ref": "#/components/schemas/NullableTimestamp" },
              "created_by": { "type": "string" },
              "token": { "type": "string", "pattern": "^tbp_[A-Za-z0-9_-]{43}$", "description": "The proxy token: the `Access-Token` header at `/open_api/v1.3/…`. Only its hash is stored; it cannot be shown again." }
            }
          },
          "ProxyTokenList": {
            "type": "object",
            "required": ["proxy_tokens"],
            "properties": {
              "proxy_tokens": { "type": "array", "items": { "$ref": "#/components/schemas/ProxyToken" } }
            }
          },
          "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {
              "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                  "code": { "type": "string", "examples": ["unauthorized", "insufficient_scope", "invalid_request", "value_too_long", "invalid_id", "invalid_json", "not_found", "not_refreshable", "revoked", "revoke_failed", "reauthorization_required", "body_too_large", "method_not_allowed", "tiktok_unreachable", "qps_budget_exhausted"] },
                  "message": { "type": "string" },
                  "tiktok_request_id": { "type": "string", "description": "TikTok's request id, when TikTok answered." },
                  "tiktok_code": { "type": "integer", "description": "TikTok's envelope code, when TikTok answered with one (e.g. 40001)." },
                  "tiktok_http_status": { "type": "integer", "description": "The HTTP status of TikTok's answer when it was not TikTok's JSON (a gateway page)." }
                }
              }
            }
          },
          "TikTokEnvelope": {
            "type": "object",
            "description": "TikTok's own answer, relayed as is.",
            "properties": {
              "code": { "type": "integer" },
              "message": { "type": "string" },
              "request_id": { "type": "string" },
              "data": {}
            }
          }
        },
        "responses": {
          "BadRequest": { "description": "Malformed input (kind, status, health, date, limit, cursor, id, JSON body, key name or scope, proxy token lifetime or allowed paths, proxy path) or an operation that does not apply.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
          "Unauthorized": { "description": "Missing, wrong or revoked bearer API key.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
          "Forbidden": { "description": "The API key's scope does not include the one this operation needs (`insufficient_scope`).", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
          "NotFound": { "description": "No such connection.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
          "APIKeyNotFound": { "description": "No such API key.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
          "ProxyTokenNotFound": { "description": "No such proxy token.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
          "Conflict": { "description": "The connection is revoked, needs re-authorization, or (refresh) has tokens that never expire.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
          "ContentTooLarge": { "description": "The body exceeds the limit.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
          "InternalError": { "description": "Unexpected failure.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
          "BadGateway": { "description": "TikTok refused or did not answer.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
          "ProxyBudgetExhausted": { "description": "The app's TikTok QPS budget is spent for now (`qps_budget_exhausted`); retry after `Retry-After` seconds. Nothing was sent to TikTok.", "headers": { "Retry-After": { "schema": { "type": "integer", "minimum": 1 } } }, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
          "ProxyError": { "description": "The service's error (`{\"error\":…}`: bad path, a key without the `tokens` scope (403 `insufficient_scope`), unknown connection, revoked, body too large, TikTok unreachable) or TikTok's own answer relayed with its status.", "content": { "application/json": { "schema": { "anyOf": [ { "$ref": "#/components/schemas/Error" }, { "$ref": "#/components/schemas/TikTokEnvelope" } ] } } } },
          "Unavailable": { "description": "TikTok or the database is unavailable; try again.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } }
        }
      }
    }
    """#
}
