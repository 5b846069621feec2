import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The OpenAPI 3.1 document of the `/v1` API, served at `GET /openapi.json`.
///
/// It describes what ``ManagementRoutes`` and ``ProxyRoutes`` do; `OpenAPITests` keeps the two in step (every
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
        "summary": "Authorization links, stored TikTok Business connections, access tokens, events and an authenticated proxy to the TikTok Business API.",
        "description": "Every /v1 route requires `Authorization: Bearer <TIKTOK_BUSINESS_API_KEY>`; a missing or wrong key gets 401. Errors are `{\"error\":{\"code\",\"message\"}}`. TikTok's ids are strings (they exceed 53-bit integers). Tokens are never returned except by the access-token route.",
        "license": { "name": "Apache-2.0", "identifier": "Apache-2.0" }
      },
      "servers": [ { "url": "/" } ],
      "security": [ { "bearer": [] } ],
      "tags": [
        { "name": "links", "description": "Shareable authorization links." },
        { "name": "connections", "description": "Stored connections (never their tokens)." },
        { "name": "tokens", "description": "Access tokens for internal callers." },
        { "name": "events", "description": "The event log." },
        { "name": "proxy", "description": "Calls to the TikTok Business API through the vault." }
      ],
      "paths": {
        "/v1/connect-links": {
          "post": {
            "operationId": "createConnectLink",
            "tags": ["links"],
            "summary": "Create a shareable authorization link",
            "description": "Issues TikTok's authorization URL with a new single-use, expiring state. With `reconnect_connection_id` the authorization re-authorizes that connection in place (same id); its kind must match.",
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
            "description": "Every status unless filtered by `status`. Ordered by id; pass `next_cursor` back as `cursor` for the next page.",
            "parameters": [
              { "name": "kind", "in": "query", "required": false, "schema": { "$ref": "#/components/schemas/ConnectionKind" } },
              { "name": "status", "in": "query", "required": false, "schema": { "$ref": "#/components/schemas/ConnectionStatus" } },
              { "name": "end_user_id", "in": "query", "required": false, "description": "Your own user id the link was issued for.", "schema": { "type": "string" } },
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
                  "RevokeConnection": { "operationId": "revokeConnection", "parameters": { "id": "$response.body#/connections/0/id" } }
                },
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ConnectionList" } } }
              },
              "400": { "$ref": "#/components/responses/BadRequest" },
              "401": { "$ref": "#/components/responses/Unauthorized" },
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
            "responses": {
              "200": {
                "description": "The connection.",
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Connection" } } }
              },
              "400": { "$ref": "#/components/responses/BadRequest" },
              "401": { "$ref": "#/components/responses/Unauthorized" },
              "404": { "$ref": "#/components/responses/NotFound" },
              "500": { "$ref": "#/components/responses/InternalError" },
              "503": { "$ref": "#/components/responses/Unavailable" }
            }
          },
          "delete": {
            "operationId": "revokeConnection",
            "tags": ["connections"],
            "summary": "Revoke at TikTok, then mark revoked",
            "description": "The connection is marked revoked and its tokens erased only when TikTok confirms the revocation or answers that the token is already invalid (40102/40104/40105). Any other answer keeps the connection and its tokens unchanged: 502 `revoke_failed` when TikTok refused (40001, 40002, 40101, an unknown code, a non-JSON page), 503 `tiktok_unavailable` on a transient failure; the error carries `tiktok_code` (or `tiktok_http_status`) and `tiktok_request_id`. Retry later.",
            "responses": {
              "200": {
                "description": "The revoked connection.",
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Connection" } } }
              },
              "400": { "$ref": "#/components/responses/BadRequest" },
              "401": { "$ref": "#/components/responses/Unauthorized" },
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
            "responses": {
              "200": {
                "description": "The token.",
                "headers": { "Cache-Control": { "schema": { "type": "string", "const": "no-store" } } },
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/AccessToken" } } }
              },
              "400": { "$ref": "#/components/responses/BadRequest" },
              "401": { "$ref": "#/components/responses/Unauthorized" },
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
            "description": "Advertiser and TTCM tokens never expire; refreshing them is a 409 (`not_refreshable`).",
            "responses": {
              "200": {
                "description": "The refreshed connection.",
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Connection" } } }
              },
              "400": { "$ref": "#/components/responses/BadRequest" },
              "401": { "$ref": "#/components/responses/Unauthorized" },
              "404": { "$ref": "#/components/responses/NotFound" },
              "409": { "$ref": "#/components/responses/Conflict" },
              "500": { "$ref": "#/components/responses/InternalError" },
              "502": { "$ref": "#/components/responses/BadGateway" },
              "503": { "$ref": "#/components/responses/Unavailable" }
            }
          }
        },
        "/v1/events": {
          "get": {
            "operationId": "listEvents",
            "tags": ["events"],
            "summary": "The event log, oldest first",
            "description": "Pass `next_cursor` back as `after` to read on; it stays at `after` when nothing new happened.",
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
          "get": { "operationId": "proxyGet", "tags": ["proxy"], "summary": "GET through the vault", "description": "Relays to `TIKTOK_API_BASE_URL/{path}/` with the query string and the connection's `Access-Token`. Retried on 40100/50000/50002/5xx. Calls share the app's QPS budget (`TIKTOK_RATE_LIMIT_QPS`, across every instance): a call that would wait longer than `TIKTOK_RATE_LIMIT_MAX_WAIT_SECONDS` for it is answered 429 `qps_budget_exhausted` with `Retry-After`. An account/creator token TikTok refuses (40102/40105) is refreshed once and the call retried.", "responses": { "200": { "description": "TikTok's answer.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/TikTokEnvelope" } } } }, "400": { "$ref": "#/components/responses/ProxyError" }, "401": { "$ref": "#/components/responses/ProxyError" }, "404": { "$ref": "#/components/responses/ProxyError" }, "409": { "$ref": "#/components/responses/ProxyError" }, "413": { "$ref": "#/components/responses/ProxyError" }, "429": { "$ref": "#/components/responses/ProxyBudgetExhausted" }, "500": { "$ref": "#/components/responses/ProxyError" }, "502": { "$ref": "#/components/responses/ProxyError" }, "503": { "$ref": "#/components/responses/ProxyError" }, "default": { "description": "TikTok's answer relayed with its own status." } } },
          "head": { "operationId": "proxyHead", "tags": ["proxy"], "summary": "HEAD through the vault", "responses": { "200": { "description": "TikTok's answer.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/TikTokEnvelope" } } } }, "400": { "$ref": "#/components/responses/ProxyError" }, "401": { "$ref": "#/components/responses/ProxyError" }, "404": { "$ref": "#/components/responses/ProxyError" }, "409": { "$ref": "#/components/responses/ProxyError" }, "413": { "$ref": "#/components/responses/ProxyError" }, "429": { "$ref": "#/components/responses/ProxyBudgetExhausted" }, "500": { "$ref": "#/components/responses/ProxyError" }, "502": { "$ref": "#/components/responses/ProxyError" }, "503": { "$ref": "#/components/responses/ProxyError" }, "default": { "description": "TikTok's answer relayed with its own status." } } },
          "post": { "operationId": "proxyPost", "tags": ["proxy"], "summary": "POST through the vault", "description": "The body (up to 10 MiB by default) and `Content-Type` are relayed; only rate-limit answers are retried.", "requestBody": { "$ref": "#/components/requestBodies/ProxyBody" }, "responses": { "200": { "description": "TikTok's answer.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/TikTokEnvelope" } } } }, "400": { "$ref": "#/components/responses/ProxyError" }, "401": { "$ref": "#/components/responses/ProxyError" }, "404": { "$ref": "#/components/responses/ProxyError" }, "409": { "$ref": "#/components/responses/ProxyError" }, "413": { "$ref": "#/components/responses/ProxyError" }, "429": { "$ref": "#/components/responses/ProxyBudgetExhausted" }, "500": { "$ref": "#/components/responses/ProxyError" }, "502": { "$ref": "#/components/responses/ProxyError" }, "503": { "$ref": "#/components/responses/ProxyError" }, "default": { "description": "TikTok's answer relayed with its own status." } } },
          "put": { "operationId": "proxyPut", "tags": ["proxy"], "summary": "PUT through the vault", "requestBody": { "$ref": "#/components/requestBodies/ProxyBody" }, "responses": { "200": { "description": "TikTok's answer.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/TikTokEnvelope" } } } }, "400": { "$ref": "#/components/responses/ProxyError" }, "401": { "$ref": "#/components/responses/ProxyError" }, "404": { "$ref": "#/components/responses/ProxyError" }, "409": { "$ref": "#/components/responses/ProxyError" }, "413": { "$ref": "#/components/responses/ProxyError" }, "429": { "$ref": "#/components/responses/ProxyBudgetExhausted" }, "500": { "$ref": "#/components/responses/ProxyError" }, "502": { "$ref": "#/components/responses/ProxyError" }, "503": { "$ref": "#/components/responses/ProxyError" }, "default": { "description": "TikTok's answer relayed with its own status." } } },
          "patch": { "operationId": "proxyPatch", "tags": ["proxy"], "summary": "PATCH through the vault", "requestBody": { "$ref": "#/components/requestBodies/ProxyBody" }, "responses": { "200": { "description": "TikTok's answer.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/TikTokEnvelope" } } } }, "400": { "$ref": "#/components/responses/ProxyError" }, "401": { "$ref": "#/components/responses/ProxyError" }, "404": { "$ref": "#/components/responses/ProxyError" }, "409": { "$ref": "#/components/responses/ProxyError" }, "413": { "$ref": "#/components/responses/ProxyError" }, "429": { "$ref": "#/components/responses/ProxyBudgetExhausted" }, "500": { "$ref": "#/components/responses/ProxyError" }, "502": { "$ref": "#/components/responses/ProxyError" }, "503": { "$ref": "#/components/responses/ProxyError" }, "default": { "description": "TikTok's answer relayed with its own status." } } },
          "delete": { "operationId": "proxyDelete", "tags": ["proxy"], "summary": "DELETE through the vault", "responses": { "200": { "description": "TikTok's answer, without a body." }, "400": { "$ref": "#/components/responses/ProxyError" }, "401": { "$ref": "#/components/responses/ProxyError" }, "404": { "$ref": "#/components/responses/ProxyError" }, "409": { "$ref": "#/components/responses/ProxyError" }, "413": { "$ref": "#/components/responses/ProxyError" }, "429": { "$ref": "#/components/responses/ProxyBudgetExhausted" }, "500": { "$ref": "#/components/responses/ProxyError" }, "502": { "$ref": "#/components/responses/ProxyError" }, "503": { "$ref": "#/components/responses/ProxyError" }, "default": { "description": "TikTok's answer relayed with its own status." } } }
        }
      },
      "components": {
        "securitySchemes": {
          "bearer": { "type": "http", "scheme": "bearer", "description": "TIKTOK_BUSINESS_API_KEY" }
        },
        "parameters": {
          "ConnectionIDPath": { "name": "id", "in": "path", "required": true, "schema": { "$ref": "#/components/schemas/ConnectionID" } },
          "ProxyPath": { "name": "path", "in": "path", "required": true, "description": "A TikTok API path below the base URL, e.g. `campaign/get` or `business/get` (may span several segments; letters, digits, `_`, `-`, `.`; no `..`).", "schema": { "type": "string", "pattern": "^[A-Za-z0-9_.\\-]+(/[A-Za-z0-9_.\\-]+)*/?$" } }
        },
        "requestBodies": {
          "ProxyBody": { "required": false, "content": { "application/json": { "schema": {} }, "*/*": { "schema": {} } } }
        },
        "schemas": {
          "ConnectionID": { "type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[A-Za-z0-9_-]+$", "examples": ["conn_3f9a2c"] },
          "ConnectionKind": { "type": "string", "enum": ["advertiser", "tiktok_account", "tcm_account", "creator"] },
          "ConnectionStatus": { "type": "string", "enum": ["active", "reauthorization_required", "revoked"] },
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
            "required": ["id", "kind", "status", "status_reason", "end_user_id", "advertiser_ids", "open_id", "tto_tcm_account_ids", "scopes", "access_token_expires_at", "refresh_token_expires_at", "last_refreshed_at", "last_checked_at", "created_at", "updated_at"],
            "properties": {
              "id": { "$ref": "#/components/schemas/ConnectionID" },
              "kind": { "$ref": "#/components/schemas/ConnectionKind" },
              "status": { "$ref": "#/components/schemas/ConnectionStatus" },
              "status_reason": { "type": ["string", "null"] },
              "end_user_id": { "type": ["string", "null"] },
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
              "type": { "type": "string", "examples": ["connection.created", "connection.reauthorized", "token.refreshed", "refresh.failed", "refresh_token_expiring", "reauthorization_required", "connection.revoked", "advertisers.changed"] },
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
          "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {
              "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                  "code": { "type": "string", "examples": ["unauthorized", "invalid_request", "value_too_long", "invalid_id", "invalid_json", "not_found", "not_refreshable", "revoked", "revoke_failed", "reauthorization_required", "body_too_large", "method_not_allowed", "tiktok_unreachable", "qps_budget_exhausted"] },
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
          "BadRequest": { "description": "Malformed input (kind, status, limit, id, JSON body, proxy path) or an operation that does not apply.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
          "Unauthorized": { "description": "Missing or wrong bearer API key.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
          "NotFound": { "description": "No such connection.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
          "Conflict": { "description": "The connection is revoked, needs re-authorization, or (refresh) has tokens that never expire.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
          "ContentTooLarge": { "description": "The body exceeds the limit.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
          "InternalError": { "description": "Unexpected failure.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
          "BadGateway": { "description": "TikTok refused or did not answer.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
          "ProxyBudgetExhausted": { "description": "The app's TikTok QPS budget is spent for now (`qps_budget_exhausted`); retry after `Retry-After` seconds. Nothing was sent to TikTok.", "headers": { "Retry-After": { "schema": { "type": "integer", "minimum": 1 } } }, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
          "ProxyError": { "description": "The service's error (`{\"error\":…}`: bad path, unknown connection, revoked, body too large, TikTok unreachable) or TikTok's own answer relayed with its status.", "content": { "application/json": { "schema": { "anyOf": [ { "$ref": "#/components/schemas/Error" }, { "$ref": "#/components/schemas/TikTokEnvelope" } ] } } } },
          "Unavailable": { "description": "TikTok or the database is unavailable; try again.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } }
        }
      }
    }
    """#
}
