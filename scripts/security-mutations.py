#!/usr/bin/env python3
"""Breaks each security guarantee once, on purpose, and checks that its tests fail.

Each mutation replaces one snippet in one source file, rebuilds, runs the named tests, and expects at
least one failure. Mutants are made in a throwaway copy of the working tree (under the system temp
directory), never in the repository itself, so an interrupted run cannot leave a broken guarantee behind. Prints a table (also written to
artifacts/security-mutations.md). Run from the repository root: python3 scripts/security-mutations.py
It takes a few minutes; it is not part of the test run.
"""
import pathlib, re, shutil, subprocess, sys, tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
MUTATIONS = [
    ("alg none accepted without a signature (the classic JWT bug)", "src/BluBees.Api/Auth/Rs256Jws.cs",
     ['alg.GetString() != "RS256")', "if (firstDot <= 0 || secondDot <= firstDot + 1 || secondDot == token.Length - 1 ||",
      "var result = await Handler.ValidateTokenAsync(token, Parameters(rules, kid, key));"],
     ['alg.GetString() is not ("RS256" or "none"))', "if (firstDot <= 0 || secondDot <= firstDot + 1 ||",
      "var result = System.Text.Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token.AsSpan(0, firstDot))).Contains(\"none\", StringComparison.Ordinal) ? new TokenValidationResult { IsValid = true } : await Handler.ValidateTokenAsync(token, Parameters(rules, kid, key));"],
     "FullyQualifiedName~HostileTokenTests.Alg_none"),
    ("signature not verified", "src/BluBees.Api/Auth/Rs256Jws.cs",
     "RequireSignedTokens = true,",
     "RequireSignedTokens = true, SignatureValidator = (t, _) => new JsonWebToken(t),",
     "FullyQualifiedName~HostileTokenTests|FullyQualifiedName~TokenTests.A_bad_signature"),
    ("audience not checked", "src/BluBees.Api/Auth/Rs256Jws.cs",
     "ValidateAudience = true,", "ValidateAudience = false,",
     "FullyQualifiedName~TokenTests.A_wrong_audience|FullyQualifiedName~HostileTokenTests.An_audience"),
    ("expiry skew unbounded", "src/BluBees.Api/Auth/TokenRules.cs",
     "if (now > exp + parameters.ClockSkew)", "if (now > exp + parameters.ClockSkew + TimeSpan.FromHours(1))",
     "FullyQualifiedName~TokenTests.An_expired_token"),
    ("jku header honoured (not refused)", "src/BluBees.Api/Auth/Rs256Jws.cs",
     'private static readonly string[] ForbiddenHeaders = ["jku", "jwk", "x5u", "x5c", "x5t", "x5t#S256", "crit"];',
     'private static readonly string[] ForbiddenHeaders = ["x5t#S256", "crit"];',
     "FullyQualifiedName~Key_location_headers"),
    ("token length not capped", "src/BluBees.Api/Auth/Rs256Jws.cs",
     "if (token.Length > rules.MaxTokenLength)", "if (token.Length > rules.MaxTokenLength * 100)",
     "FullyQualifiedName~An_oversized_token"),
    ("JWKS refetched on every unknown kid", "src/BluBees.Api/Auth/JwksCache.cs",
     "if (now - _lastFetchAttempt >= TimeSpan.FromSeconds(opts.JwksRefreshCooldownSeconds))",
     "if (now - _lastFetchAttempt >= TimeSpan.Zero)",
     "FullyQualifiedName~JwksCooldownTests"),
    ("a token without app.id accepted", "src/BluBees.Api/Auth/ForgeClaims.cs",
     'if (Str(app, "id") is not { } appId)', 'if ((Str(app, "id") ?? options.AppId) is not { } appId)',
     "FullyQualifiedName~AppClaimTests"),
    ("Forge:EnvironmentType not enforced", "src/BluBees.Api/Auth/ForgeClaims.cs",
     "!string.Equals(EnvironmentType(app), options.EnvironmentType, StringComparison.OrdinalIgnoreCase)", "EnvironmentType(app) is null && false",
     "FullyQualifiedName~EnvironmentClaimTests"),
    ("a route without authorization", "src/BluBees.Api/Admin/RunsEndpoints.cs",
     'api.MapGet("/runs/{id}", GetAsync);', 'api.MapGet("/runs/{id}", GetAsync).AllowAnonymous();',
     "FullyQualifiedName~RouteProtectionTests"),
    ("tenant read from a header", "src/BluBees.Api/Auth/ForgeAuthenticationHandler.cs",
     "Context.Features.Set(tenant);", 'Context.Features.Set(Request.Headers.TryGetValue("X-Tenant", out var t) ? tenant with { TenantId = t.ToString() } : tenant);',
     "FullyQualifiedName~The_tenant_comes_from_the_token"),
    ("connections looked up across tenants", "src/BluBees.Engine/Connections/ConnectionService.cs",
     "var item = await store.ForTenant(tenantId).GetAsync(Keys.Connection(id), ct);",
     "var item = await store.ForTenant(tenantId).GetAsync(Keys.Connection(id), ct) ?? (await store.QueryAsync(new QueryRequest(Keys.DirectoryPk, Keys.DirectoryEntryPrefix), ct)).Items.Select(d => store.ForTenant(new(d.Sk[Keys.DirectoryEntryPrefix.Length..])).GetAsync(Keys.Connection(id), ct).Result).FirstOrDefault(i => i is not null);",
     "FullyQualifiedName~TenantIsolationTests"),
    ("dedup key without the tenant", "src/BluBees.Engine/Runs/EventIngestor.cs",
     "var partition = store.ForTenant(message.Tenant.Id);", 'var partition = store.ForTenant(new("DEDUP-GLOBAL"));',
     "FullyQualifiedName~The_same_event_for_two_tenants"),
    ("payload logged", "src/BluBees.Engine/Runs/EventIngestor.cs",
     "LogFiltered(logger, evt.EventType);", "LogFiltered(logger, evt.Body.ToJsonString());",
     "FullyQualifiedName~A_known_event_is_logged_by_its_type|FullyQualifiedName~PassThroughBatteryTests"),
    ("exception logged with its message (a resolver failure)", "src/BluBees.Engine/Egress/EgressGuard.cs",
     "        catch (Exception e) when (e is not OperationCanceledException)\n        {\n            addresses = [];",
     "        catch (Exception e) when (e is not OperationCanceledException)\n        {\n            _logger.Log(LogLevel.Warning, default, e.ToString(), null, (state, _) => state);\n            addresses = [];",
     "FullyQualifiedName~PassThroughBatteryTests"),
    ("secret echoed by the API on create", "src/BluBees.Api/Admin/ConnectionsEndpoints.cs",
     'TypedResults.Created($"/api/connections/{c.Id}", ConnectionView.From(c))',
     'TypedResults.Created($"/api/connections/{c.Id}", ConnectionView.From(c with { Name = c.Name + input!.Secret }))',
     "FullyQualifiedName~PassThroughBatteryTests|FullyQualifiedName~AdminApiTests"),
    ("secret stored in plaintext", "src/BluBees.Engine/Crypto/SecretCipher.cs",
     ["return string.Create(Prefix.Length", "            });\n        }\n        finally\n        {\n            pool.Return(sealedBytes)"],
     ["var sealedText = string.Create(Prefix.Length", "            });\n            return sealedText + \".\" + Encoding.UTF8.GetString(plaintext);\n        }\n        finally\n        {\n            pool.Return(sealedBytes)"],
     "FullyQualifiedName~PassThroughTests.Event_reaches"),
    ("uninstall keeps the data key", "src/BluBees.Engine/Tenancy/TenantService.cs",
     ["var deleted = await partition.DeleteAsync(Keys.DataKey, ct) ? 1 : 0;", "deleted += await partition.DeleteAllAsync(ct);"],
     ["var kept = await partition.GetAsync(Keys.DataKey, ct); var deleted = 0;",
      "deleted += await partition.DeleteAllAsync(ct); if (kept is not null) { await partition.PutAsync(kept, ct); }"],
     "FullyQualifiedName~LifecycleTests"),
    ("no HSTS header", "src/BluBees.Api/Infrastructure/SecurityHeaders.cs",
     'headers.StrictTransportSecurity = "max-age=31536000; includeSubDomains";', 'headers.StrictTransportSecurity = "max-age=300";',
     "FullyQualifiedName~TransportHygieneTests"),
    ("egress allows loopback by default", "src/BluBees.Engine/Egress/AddressClassifier.cs",
     "public static bool IsBlocked(IPAddress address, out string reason) => IsBlocked(address, false, out reason);",
     "public static bool IsBlocked(IPAddress address, out string reason) => IsBlocked(address, true, out reason);",
     "FullyQualifiedName~AddressClassifierTests"),
    ("regex on the backtracking engine", "src/BluBees.Engine/Conditions/ConditionCompiler.cs",
     "RegexOptions.NonBacktracking | RegexOptions.CultureInvariant", "RegexOptions.CultureInvariant",
     "FullyQualifiedName~A_backtracking_regex"),
    ("support token without MFA accepted", "src/BluBees.Api/Support/SupportIdentity.cs",
     "        if (!mfa)\n        {\n            return SupportDenial.Mfa;\n        }", "        if (!mfa && false)\n        {\n            return SupportDenial.Mfa;\n        }",
     "FullyQualifiedName~Without_mfa_support_gets_403"),
    ("support read without an active grant", "src/BluBees.Api/Support/SupportAccessFilter.cs",
     "|| await grants.FindActiveAsync(tenantId, http.RequestAborted) is not { } grant)",
     "|| (await grants.FindActiveAsync(tenantId, http.RequestAborted) ?? new BluBees.Engine.Support.SupportGrant(\"g\", DateTimeOffset.MinValue, DateTimeOffset.MaxValue, \"a\", null)) is not { } grant)",
     "FullyQualifiedName~SupportAccessTests|FullyQualifiedName~SupportGrantTests|FullyQualifiedName~SupportExpiryTests"),
    ("support read not audited", "src/BluBees.Api/Support/SupportAccessFilter.cs",
     "if (await audit.RecordAsync(http, identity, tenantId, SupportAuditOutcome.Allowed, grant.Id, reason: null, marks))",
     "if (grant.Id == \"\\0\")",
     "FullyQualifiedName~SupportAccessTests.With_a_grant"),
    ("support reads a tenant marked uninstalled (its partition delete refused part way)", "src/BluBees.Api/Support/SupportAccessFilter.cs",
     "if (await uninstalled.IsMarkedAsync(tenantId, http.RequestAborted)",
     "if ((await uninstalled.IsMarkedAsync(tenantId, http.RequestAborted) && tenantId.Value.Length < 0)",
     "FullyQualifiedName~UninstallSupportGrantTests", "tests/BluBees.Aws.Tests"),
    ("a key ring key shorter than 32 bytes wraps data keys under AES-128/192", "src/BluBees.Engine/Crypto/LocalKeyRing.cs",
     "&& written == Aead.KeySize;",
     "&& written >= 16;",
     "FullyQualifiedName~KeyRingUnavailableTests"),
    ("a Jira override off loopback accepted beside an AWS provider (every tenant's Jira calls to one site)", "src/BluBees.Api/Permissions/JiraOptions.cs",
     "if (AwsProvider is { } aws && !string.IsNullOrEmpty(ApiBaseUrlOverride)",
     "if (AwsProvider is { } aws && ApiBaseUrlOverride == \"\\0\"",
     "FullyQualifiedName~ApiOptionsValidationTests.A_jira_override_off_loopback"),
    ("credentials kept on a cross-origin redirect", "src/BluBees.Engine/Egress/GuardedHttpClient.cs",
     "call.Headers = RedirectPolicy.ForAnotherOrigin(call.Headers);", "call.Headers = [.. call.Headers];",
     "FullyQualifiedName~RedirectTests", "tests/BluBees.Engine.Tests"),
    ("socket connects to a fresh DNS answer, not the checked address (rebinding)", "src/BluBees.Engine/Egress/EgressGuard.cs",
     "await socket.ConnectAsync(new IPEndPoint(target, endpoint.Port), ct);",
     "var fresh = (await ResolveAsync(host, ct))[0];\n                await socket.ConnectAsync(new IPEndPoint(fresh.IsIPv4MappedToIPv6 ? fresh.MapToIPv4() : fresh, endpoint.Port), ct);",
     "FullyQualifiedName~Rebinding", "tests/BluBees.Engine.Tests"),
    ("any port allowed", "src/BluBees.Engine/Egress/EgressOptions.cs",
     "AllowAnyPort || (AllowedPorts is { } ports", "true || AllowAnyPort || (AllowedPorts is { } ports",
     "FullyQualifiedName~Port", "tests/BluBees.Engine.Tests"),
    ("ciphertext not bound to its tenant and record", "src/BluBees.Engine/Crypto/SecretCipher.cs",
     'private static string Aad(TenantId tenantId, string recordId) => "blubees/secret/v1|" + tenantId.Value + "|" + recordId;',
     'private static string Aad(TenantId tenantId, string recordId) => "blubees/secret/v1|" + tenantId.Value.Length * 0 + recordId.Length * 0;',
     "FullyQualifiedName~SecretCipherTests", "tests/BluBees.Engine.Tests"),
    ("nbf ignored", "src/BluBees.Api/Auth/TokenRules.cs",
     "now < nbf - parameters.ClockSkew)", "now < nbf - parameters.ClockSkew - TimeSpan.FromDays(200))",
     "FullyQualifiedName~nbf"),
    ("nosniff missing", "src/BluBees.Api/Infrastructure/SecurityHeaders.cs",
     'headers.XContentTypeOptions = "nosniff";', 'headers.XContentTypeOptions = "";',
     "FullyQualifiedName~TransportHygieneTests"),
    ("API responses cacheable", "src/BluBees.Api/Infrastructure/SecurityHeaders.cs",
     'headers.CacheControl = "no-store";', 'headers.CacheControl = "private, max-age=60";',
     "FullyQualifiedName~TransportHygieneTests"),
    ("string filter not charged by length", "src/BluBees.Engine/Templates/FilteredExpr.cs",
     "        ctx.ScanValue(input);\n", "",
     "FullyQualifiedName~WorkChargingTests", "tests/BluBees.Engine.Tests"),
    ("condition not charged by the length of its field", "src/BluBees.Engine/Conditions/ConditionMeter.cs",
     "Charge(text?.Length ?? 0);", "Charge(0);",
     "FullyQualifiedName~ConditionChargingTests", "tests/BluBees.Engine.Tests"),
    ("render work not charged to the run budget", "src/BluBees.Engine/Templates/RenderContext.cs",
     "if (!budget.TryCharge(units, _since))", "if (!budget.TryCharge(0, _since))",
     "FullyQualifiedName~WorkChargingTests", "tests/BluBees.Engine.Tests"),
    ("a step failed on the run's template budget recorded as a plain template error", "src/BluBees.Engine/Runs/StepSequence.cs",
     "return !outcome.Succeeded && budget is not null && budget.Refusals > refusals", "return false && budget is not null && budget.Refusals > refusals",
     "FullyQualifiedName~TemplateBudgetRunTests"),
    ("wrong-typed issue accepted at ingress", "src/BluBees.Engine/Events/EventShape.cs",
     'check.Kind(body, "issue", Kinds.Object, required: required)', 'check.Kind(body, "issue", Kinds.Object | Kinds.String | Kinds.Number, required: required)',
     "FullyQualifiedName~BodyBatteryTests"),
    ("unknown eventType accepted and logged verbatim", "src/BluBees.Api/Forge/ForgeEndpoints.cs",
     "if (!JiraEvent.IsKnownType(evt.EventType))", "if (false && !JiraEvent.IsKnownType(evt.EventType))",
     "FullyQualifiedName~An_unknown_event_type_is_acknowledged"),
    ("unreadable text (lone surrogate, invalid UTF-8) accepted in a body", "src/BluBees.Api/Infrastructure/JsonScan.cs",
     "_ = reader.GetString();", "_ = reader.ValueSpan.Length;",
     "FullyQualifiedName~BodyBatteryTests"),
    ("module key not checked on /forge/lifecycle", "src/BluBees.Api/Auth/ForgeCallerRequirement.cs",
     "if (module is null || !modules.Value.Accepts(r, module)\n",
     "if (r != ForgeRoute.Lifecycle && (module is null || !modules.Value.Accepts(r, module))\n",
     "FullyQualifiedName~ForgeModuleTests"),
    ("the issue panel's token accepted on admin routes", "src/BluBees.Api/Auth/ForgeCallerRequirement.cs",
     "|| (!panelRoute && string.Equals(module, modules.Value.IssuePanel, StringComparison.Ordinal))",
     "|| (false && !panelRoute && string.Equals(module, modules.Value.IssuePanel, StringComparison.Ordinal))",
     "FullyQualifiedName~ForgeModuleTests"),
    ("user principal accepted on /forge/events", "src/BluBees.Api/Auth/ForgeCallerRequirement.cs",
     ": principal is null ? null : ForgeCallerDenial.UserOnBackendRoute;",
     ": principal is null || r == ForgeRoute.Events ? null : ForgeCallerDenial.UserOnBackendRoute;",
     "FullyQualifiedName~ForgeModuleTests"),
    ("configuration read without admin", "src/BluBees.Api/Permissions/ApiPermissionFilter.cs",
     "            default:\n                var checker",
     "            default:\n                if (IsRead(http.Request.Method))\n                {\n                    return await next(context);\n                }\n\n                var checker",
     "FullyQualifiedName~AdminWriteTests|FullyQualifiedName~EveryApiRouteTests"),
    ("the /api permission filter not applied to the group", "src/BluBees.Api/Permissions/PermissionSetup.cs",
     "api.AddEndpointFilter(new ApiPermissionFilter());", "_ = new ApiPermissionFilter();",
     "FullyQualifiedName~AdminWriteTests|FullyQualifiedName~EveryApiRouteTests"),
    ("the support routes without their access filter", "src/BluBees.Api/Support/SupportSetup.cs",
     ".AddEndpointFilterFactory(SupportAccessFilter.Create)", ".WithMetadata(new object())",
     "FullyQualifiedName~SupportAccessTests|FullyQualifiedName~SupportGrantTests"),
    ("an issue's runs read without browse permission", "src/BluBees.Api/Permissions/ApiPermissionFilter.cs",
     "return (object?)await IssueAccess.RefuseUnlessByIdAsync(VerifiedTenant.Of(http), http.Request, issueKey!, issueId, IssueAccess.Browse) ?? await next(context);",
     "return await next(context);",
     "FullyQualifiedName~IssuePermissionTests|FullyQualifiedName~IssueRunIndexTests"),
    ("a queued manual run of a rule disabled since still runs", "src/BluBees.Engine/Runs/RunProcessor.cs",
     "if (!head.Enabled || message.RuleId is not null && head.Id != message.RuleId)\n            {\n                await TraceDisabledAsync",
     "if (!head.Enabled && message.Source != RunSource.Manual || message.RuleId is not null && head.Id != message.RuleId)\n            {\n                await TraceDisabledAsync",
     "FullyQualifiedName~DisabledManualRunTests"),
    ("manual run without edit permission", "src/BluBees.Api/Scheduling/ManualRunEndpoint.cs",
     "if (await Permissions.IssueAccess.RefuseUnlessAsync(tenant, request, issueKey, Permissions.IssueAccess.Edit) is { } refusal)",
     "if (await Permissions.IssueAccess.RefuseUnlessAsync(tenant, request, issueKey, Permissions.IssueAccess.Edit) is { } refusal && false)",
     "FullyQualifiedName~IssuePermissionTests"),
    ("permission answers cached by account only, not by user token", "src/BluBees.Api/Permissions/PermissionAnswerCache.cs",
     "string.Join('\\n', TenantId, AccountId, TokenHash(UserToken), Permissions, Issue ?? string.Empty)",
     "string.Join('\\n', TenantId, AccountId, string.Empty, Permissions, Issue ?? string.Empty)",
     "FullyQualifiedName~IssuePermissionTests"),
    ("SQLite secure_delete off (deleted rows stay in free pages)", "src/BluBees.Engine/Storage/SqliteStore.Erase.cs",
     'internal const string SecureDeletePragma = "PRAGMA secure_delete = ON;";',
     'internal const string SecureDeletePragma = "PRAGMA secure_delete = OFF;";',
     "FullyQualifiedName~SqliteShreddingTests", "tests/BluBees.Engine.Tests"),
    ("WAL not truncated after a tenant delete", "src/BluBees.Engine/Storage/SqliteStore.Erase.cs",
     "public Task<bool> EraseResidueAsync(CancellationToken ct) => Eraser.EraseWalAsync(ct);",
     "public Task<bool> EraseResidueAsync(CancellationToken ct) => Task.FromResult(true);",
     "FullyQualifiedName~SqliteShreddingTests", "tests/BluBees.Engine.Tests"),
    ("WAL not truncated after deleting or replacing a secret or rule definition", "src/BluBees.Engine/Storage/IResidueEraser.cs",
     "        eraser.RebuildAtNextPurge();\n        return eraser.EraseResidueAsync(CancellationToken.None);",
     "        eraser.RebuildAtNextPurge();\n        return Task.FromResult(store is not null);",
     "FullyQualifiedName~DeletedSecretResidueTests"),
    ("retention purge disabled (expired rows stay on disk)", "src/BluBees.Engine/Storage/SqliteStore.Retention.cs",
     "DELETE FROM items WHERE (pk, sk) IN (", "DELETE FROM items WHERE 0 AND (pk, sk) IN (",
     "FullyQualifiedName~RetentionTests", "tests/BluBees.Engine.Tests"),
    ("point reads return expired items (retention not enforced on read)", "src/BluBees.Engine/Storage/SqliteStore.PointReads.cs",
     "WHERE pk = $pk AND sk = $sk AND (expires_at IS NULL OR expires_at > $now);", "WHERE pk = $pk AND sk = $sk AND ($now IS NOT NULL);",
     "FullyQualifiedName~SqliteStoreTests", "tests/BluBees.Engine.Tests"),
    ("retire allowed while a tenant's data key uses the key", "src/BluBees.Cli/Operator/KeyRotation.cs",
     ["if (await StillInUseAsync(ring.CurrentKeyId, ct) is { Count: > 0 } first)", "if (await StillInUseAsync(current, ct) is { Count: > 0 } second)"],
     ["if (await StillInUseAsync(ring.CurrentKeyId, ct) is { Count: > 1_000_000 } first)", "if (await StillInUseAsync(current, ct) is { Count: > 1_000_000 } second)"],
     "FullyQualifiedName~LiveKeyRotationTests.Retire_is_refused"),
    ("new data keys wrapped under the in-memory current key (ring file not re-read)", "src/BluBees.Engine/Crypto/LocalKeyRing.cs",
     "var id = CurrentKeyId;", "var id = _ring.Current;",
     "FullyQualifiedName~KeyRingReloadTests", "tests/BluBees.Engine.Tests"),
    ("a data-key load racing an uninstall caches the shredded key", "src/BluBees.Engine/Crypto/TenantKeyService.cs",
     "if (Interlocked.Read(ref Evictions(tenantId)) == evictedBefore)", "if (evictedBefore >= 0)",
     "FullyQualifiedName~KeyLoadRacingUninstallTests"),
    ("data key stored without a directory entry (rotation never sees it)", "src/BluBees.Engine/Crypto/TenantKeyService.cs",
     "        // Listed before the key exists: rotation and retiring iterate the directory, and must see every data key.\n        await TenantDirectory.EnsureListedAsync(_store, tenantId, ct);",
     "",
     "FullyQualifiedName~TenantKeyServiceTests.A_data_key_the_service_creates_lists_its_tenant", "tests/BluBees.Engine.Tests"),
    ("dedupe marker kept after a failed send (SQS failure reported as success)", "src/BluBees.Aws/Sqs/SqsRunQueue.cs",
     "deadline.IsCancellationRequested);\n            throw new QueueFullException();",
     "deadline.IsCancellationRequested);\n            return;",
     "FullyQualifiedName~IngressSendFailureTests", "tests/BluBees.Aws.Tests"),
    ("dedupe marker kept after a refused (too large) message", "src/BluBees.Engine/Runs/EventIngestor.cs",
     "            await partition.DeleteIfRevisionAsync(claim.Sk, revision, CancellationToken.None);\n            throw;",
     "            throw;",
     "FullyQualifiedName~IngressSendFailureTests.An_event_too_large", "tests/BluBees.Aws.Tests"),
    ("AWS_LWA_ERROR_STATUS_CODES removed (template)", "template.yaml",
     '          AWS_LWA_ERROR_STATUS_CODES: "400-599"\n', "",
     "FullyQualifiedName~EnvironmentTests", "tests/BluBees.Infra.Tests"),
    ("AWS_LWA_ERROR_STATUS_CODES removed (worker batch through the adapter)", "template.yaml",
     '          AWS_LWA_ERROR_STATUS_CODES: "400-599"\n', "",
     "FullyQualifiedName~WorkerEndToEndTests|FullyQualifiedName~LambdaSqsPollerTests", "tests/BluBees.Aws.Tests"),
    ("readiness probe reads DynamoDB", "src/BluBees.Api/Infrastructure/HealthEndpoints.cs",
     'app.MapGet(ReadyPath, Ready)',
     "app.MapGet(ReadyPath, CheckAsync)",
     "FullyQualifiedName~ReadinessProbeTests", "tests/BluBees.Aws.Tests"),
    ("tenant not sent as MessageGroupId (no fair queues)", "src/BluBees.Aws/Sqs/SqsRunQueue.cs",
     "MessageGroupId = GroupId(message.Tenant.TenantId),", "",
     "FullyQualifiedName~MessageGroupId", "tests/BluBees.Aws.Tests"),
    ("secret body follows cross-origin redirect", "src/BluBees.Engine/Egress/GuardedHttpClient.cs",
     "if (call.Request.BodyCarriesCredential || keepsBody)", "if (keepsBody)",
     "FullyQualifiedName~CrossOriginRedirectTests.ASecretBodyNeverFollowsARedirectToAnotherOrigin", "tests/BluBees.Engine.Tests"),
    ("custom header kept on origin change", "src/BluBees.Engine/Egress/RedirectPolicy.cs",
     "[.. headers.Where(h => !h.IsCredential && CrossOriginHeaders.Contains(h.Name))]",
     '[.. headers.Where(h => !h.IsCredential && !h.Name.Equals("Authorization", StringComparison.OrdinalIgnoreCase) && CrossOriginHeaders.Count > 0)]',
     "FullyQualifiedName~CrossOriginRedirectTests.OnlyTransportHeadersFollow", "tests/BluBees.Engine.Tests"),
    ("transfer sends stored secret instead of access token", "src/BluBees.Engine/Steps/Transfer/TransferSides.cs",
     "var result = await credentials.GetAsync(tenantId, connection, timeout, ct);",
     "var result = AuthTypes.IsOAuth2(connection.Auth.Type) ? new CredentialResult(StaticCredentials.Bearer(await connections.RevealSecretAsync(tenantId, connection, ct)), null) : await credentials.GetAsync(tenantId, connection, timeout, ct);",
     "FullyQualifiedName~CredentialMatrixTests.BothSidesOfATransfer", "tests/BluBees.Engine.Tests"),
    ("templated host recorded in run metadata", "src/BluBees.Engine/Steps/HttpStepExecutor.cs",
     "var host = StepHosts.Of(step, connection);", "var host = request.Url.Host;",
     "FullyQualifiedName~Steps.TemplatedHostTests", "tests/BluBees.Engine.Tests"),
    ("bulkhead removed", "src/BluBees.Engine/Connections/Resilience/ConnectionPipeline.cs",
     "_bulkhead = new Bulkhead(policy.MaxConcurrency, policy.QueueLimit, policy.BulkheadWait, time);",
     "_bulkhead = new Bulkhead(10_000, policy.QueueLimit, policy.BulkheadWait, time);",
     "FullyQualifiedName~BulkheadTests", "tests/BluBees.Engine.Tests"),
    ("queue: dedupe marker committed outside the enqueue transaction", "src/BluBees.Engine/Runs/SqliteRunQueue.cs",
     "                leased = early is null ? TryLease(w, handOff, prepared.TenantId) : KeepsEarlyStart(w);\n                Insert(w, prepared, claim, leased);\n                return EnqueueOutcome.Accepted;\n            }, wait.Token, early is null ? null : o => Settle(early, leased && o == EnqueueOutcome.Accepted));\n",
     "                return EnqueueOutcome.Accepted;\n            }, wait.Token, early is null ? null : o => Settle(early, false));\n            if (outcome == EnqueueOutcome.Accepted) { await _writer.RunAsync(w => { Insert(w, prepared, claim, false); return true; }, ct); }\n",
     "FullyQualifiedName~DurableQueueTests"),
    ("queue: ingress writes the dedupe marker by itself, then enqueues", "src/BluBees.Engine/Runs/EventIngestor.cs",
     "if (queue is IDedupingRunQueue { SharesStore: true } deduping)", "if (queue is IDedupingRunQueue { SharesStore: false } deduping)",
     "FullyQualifiedName~DurableQueueTests"),
    ("queue: run record not committed with the queue removal", "src/BluBees.Engine/Runs/SqliteRunQueue.Finish.cs",
     "        if (!SharesStore)\n        {\n            foreach (var run in records)",
     "        if (true)\n        {\n            foreach (var run in records)",
     "FullyQualifiedName~DurableQueueTests.Finishing"),
    ("queue: redelivery of an unfinished event answered duplicate", "src/BluBees.Engine/Runs/SqliteRunQueue.cs",
     "if (marker.State != DedupMarker.Queued)", "if (marker.State != DedupMarker.Queued || marker.MessageId is not null)",
     "FullyQualifiedName~DurableQueueTests.A_redelivery"),
    ("queue: a lost (unfinished, not queued) event is never queued again", "src/BluBees.Engine/Runs/SqliteRunQueue.cs",
     "if (marker.MessageId is not null && Exists(w, marker.MessageId))", "if (marker.MessageId is not null)",
     "FullyQualifiedName~DurableQueueTests.A_redelivery"),
    ("queue: a direct hand-off overtakes a waiting message", "src/BluBees.Engine/Runs/SqliteRunQueue.HandOff.cs",
     "handOff is not null && _alone is null && !AnyClaimable(w, NowMs) && handOff.TryReserve(tenant)", "handOff is not null && _alone is null && NowMs > 0 && handOff.TryReserve(tenant)",
     "FullyQualifiedName~HandOffTests"),
    ("queue: a direct hand-off ignores the tenant cap", "src/BluBees.Engine/Runs/RunWorker.cs",
     "        if (_shares.TryTake(tenant))\n        {\n            return true;\n        }\n\n        _slots.Release();\n        return false;",
     "        _ = _shares.TryTake(tenant);\n        return true;",
     "FullyQualifiedName~HandOffTests.Hand_offs_racing"),
    ("uninstalled installation's still-valid token accepted", "src/BluBees.Api/Auth/ForgeAuthenticationHandler.cs",
     "&& await uninstalled.IsUninstalledAsync(tenant.Id, Context.RequestAborted))",
     "&& Context.RequestAborted.IsCancellationRequested && await uninstalled.IsUninstalledAsync(tenant.Id, Context.RequestAborted))",
     "FullyQualifiedName~AfterUninstallTests.Requests_with"),
    ("uninstall leaves the tenant's queued messages", "src/BluBees.Engine/Tenancy/TenantService.cs",
     "await queue.PurgeTenantAsync(tenantId, ct);", "await Task.CompletedTask;",
     "FullyQualifiedName~UninstallRaceTests"),
    ("a run finishing after a reinstall writes into the new installation", "src/BluBees.Engine/Crypto/StoredDataKey.cs",
     "=> CreatedAtOf(data) is { } created && created > receivedAt + InstallationSkew;", "=> CreatedAtOf(data) is { } created && created < DateTimeOffset.MinValue;",
     "FullyQualifiedName~UninstallRaceTests.The_sqs_workers_path_removes_what_it_wrote_into_a_later"),
    ("one tenant may fill the whole queue", "src/BluBees.Engine/Runs/SqliteRunQueue.Admission.cs",
     "return tenantQueued >= _options.PerTenantQueueCapacity || tenantBytes", "return tenantQueued >= _options.PerTenantQueueCapacity + _options.QueueCapacity || tenantBytes",
     "FullyQualifiedName~QueueShareTests"),
    ("one tenant may fill the queue's bytes", "src/BluBees.Engine/Runs/SqliteRunQueue.Admission.cs",
     "|| tenantBytes >= _options.PerTenantQueueBytes;", "|| tenantBytes >= _options.QueueCapacityBytes;",
     "FullyQualifiedName~QueueShareTests"),
    ("SQS: a record cut off at the deadline on its last receive goes to the DLQ without a run record", "src/BluBees.Aws/Sqs/SqsBatchProcessor.cs",
     "if (record.ReceiveCount >= worker.Value.MaxReceiveCount)", "if (error is not null && record.ReceiveCount >= worker.Value.MaxReceiveCount)",
     "FullyQualifiedName~ShareWaitExhaustedTests", "tests/BluBees.Aws.Tests"),
    ("a wrong method answered before the token check", "src/BluBees.Api/BluBeesApp.cs",
     "app.UseAuthentication();\n        app.UseSupportPolicyOnWrongMethods(); // a wrong method on /support is authorized as support staff, then 405\n        app.UseAuthorization();\n        app.UseMethodNotAllowed();",
     "app.UseMethodNotAllowed();\n        app.UseAuthentication();\n        app.UseSupportPolicyOnWrongMethods();\n        app.UseAuthorization();",
     "FullyQualifiedName~ErrorContractTests"),
    ("the webhook replay record expires at the last fresh instant", "src/BluBees.Api/Webhooks/WebhookReceiver.cs",
     "now + 2 * WebhookSignature.ReplayWindow + ReplayRecordMargin, ct)", "now + 2 * WebhookSignature.ReplayWindow + ReplayRecordMargin * 0, ct)",
     "FullyQualifiedName~WebhookDeliveryTests.A_replay_at_the_last_fresh_instant"),  # the no-rule hook's case: the other's record is the queue's marker
    ("an admin route opened to any user", "src/BluBees.Api/Scheduling/SchedulingSetup.cs",
     '.Query("cron", "timeZone", "count");', '.Query("cron", "timeZone", "count").WithApiAccess(ApiAccess.AnyUser);',
     "FullyQualifiedName~EveryRouteCallerTests"),
    ("support token with an MFA sign-in of any age accepted", "src/BluBees.Api/Support/SupportIdentity.cs",
     "now - at <= TimeSpan.FromMinutes(options.MaxAuthAgeMinutes) + skew", "now - at <= TimeSpan.MaxValue",
     "FullyQualifiedName~Without_a_recent_mfa_sign_in|FullyQualifiedName~SupportExpiryTests"),
    ("a second backend runs on the same database file", "src/BluBees.Engine/Runs/ConsumerLock.cs",
     "Access = FileAccess.ReadWrite, Share = FileShare.None };", "Access = FileAccess.ReadWrite, Share = FileShare.ReadWrite };",
     "FullyQualifiedName~SecondInstanceTests"),
    ("the dev issuer answers callers from the network", "src/BluBees.Api/Dev/DevEndpoints.cs",
     ".AllowAnonymous().AddEndpointFilter(LoopbackOnlyAsync);", ".AllowAnonymous();",
     "FullyQualifiedName~DevIssuerNetworkTests"),
    ("an unrequested protocol switch read as an answer", "src/BluBees.Engine/Egress/GuardedHttpClient.cs",
     "if (call.Status < 200)", "if (call.Status < 100)",
     "FullyQualifiedName~SwitchingProtocolsTests", "tests/BluBees.Engine.Tests"),
    ("an OAuth access token that cannot go in a header cached and sent", "src/BluBees.Engine/Connections/OAuth/OAuthTokenClient.cs",
     "|| !IsVisibleAscii(accessToken)", "|| accessToken.Length == 0 && !IsVisibleAscii(accessToken)",
     "FullyQualifiedName~OAuthTokenAnswerTests", "tests/BluBees.Engine.Tests"),
    ("the server-rotated refresh token kept after an admin replaced the secret", "src/BluBees.Engine/Connections/ConnectionService.cs",
     "removedRotation = await store.ForTenant(tenantId).DeleteAsync(Keys.RotatedRefreshToken(id), CancellationToken.None);", "removedRotation = false;",
     "FullyQualifiedName~DeletedSecretResidueTests"),
    ("uninstall deletes the data key last, after the whole partition", "src/BluBees.Engine/Tenancy/TenantService.cs",
     "var deleted = await partition.DeleteAsync(Keys.DataKey, ct) ? 1 : 0;", "var deleted = 0;",
     "FullyQualifiedName~UninstallStoreFailureTests", "tests/BluBees.Aws.Tests"),
    ("a deleted rule's older versions (definitions in clear) kept", "src/BluBees.Engine/Rules/RuleService.cs",
     "        await partition.DeletePrefixAsync(Keys.RuleVersionPrefix(id), ct);", "        await partition.DeletePrefixAsync(Keys.RuleVersionPrefix(id) + \"~none\", ct);",
     "FullyQualifiedName~RuleVersionDeleteTests", "tests/BluBees.Aws.Tests"),
    ("support CLI sends the token over plain http to a remote host", "src/BluBees.Cli/Support/SupportClient.cs",
     "return uri.Scheme == Uri.UriSchemeHttps || uri.IsLoopback", "return uri.Scheme == Uri.UriSchemeHttps || uri.IsLoopback || uri.Scheme == Uri.UriSchemeHttp",
     "FullyQualifiedName~SupportCliTests"),
    ("support audit keeps the actor's control characters", "src/BluBees.Api/Support/SupportAudit.cs",
     "var actor = DisplayText.Neutralized(who.Subject);", "var actor = who.Subject;",
     "FullyQualifiedName~SupportAuditTextTests"),
    ("a late upgraded event recreates an uninstalled tenant", "src/BluBees.Engine/Tenancy/TenantService.cs",
     "if (await _uninstalled.IsUninstalledAsync(tenant.Id, ct))\n        {\n            return false;", "if (await _uninstalled.IsUninstalledAsync(tenant.Id, ct) && false)\n        {\n            return false;",
     "FullyQualifiedName~AfterUninstallTests"),
    ("a blank accepted acr counts as MFA", "src/BluBees.Api/Support/SupportOptions.cs",
     "if (AcceptedAcr is { Length: > 0 } acr && (string.IsNullOrWhiteSpace(acr) || acr.Trim() != acr))", "if (AcceptedAcr is { Length: > 0 } acr && false)",
     "FullyQualifiedName~ApiOptionsValidationTests"),
    ("two tenants at their caps hold every worker (no reserve)", "src/BluBees.Engine/Runs/RunAdmission.cs",
     "public static int Reserve(int workers, int cap) => Math.Min(Math.Max(1, workers / 8), Math.Max(0, workers - cap));", "public static int Reserve(int workers, int cap) => 0;",
     "FullyQualifiedName~TenantSharesTests", "tests/BluBees.Engine.Tests"),

    ("JWKS keys trusted forever while every refresh fails", "src/BluBees.Api/Auth/JwksCache.cs",
     "=> time.GetUtcNow() - _fetchedAt > TimeSpan.FromSeconds((long)opts.JwksCacheSeconds + opts.JwksMaxStaleSeconds)",
     "=> time.GetUtcNow() - _fetchedAt > TimeSpan.MaxValue",
     "FullyQualifiedName~JwksStaleKeysTests"),
    ("the user's Jira token sent to a non-Atlassian host", "src/BluBees.Api/Permissions/JiraPermissionChecker.cs",
     "if (Engine.Steps.Jira.JiraSite.Resolve(tenant.ApiBaseUrl, options.Value.ApiBaseUrlOverride) is not { } baseUrl)",
     "if ((Engine.Steps.Jira.JiraSite.Resolve(tenant.ApiBaseUrl, options.Value.ApiBaseUrlOverride) ?? (Uri.TryCreate(tenant.ApiBaseUrl, UriKind.Absolute, out var any) ? any : null)) is not { } baseUrl)",
     "FullyQualifiedName~UserTokenSiteTests"),
    ("the CLI follows a redirect with the connection's secret", "src/BluBees.Cli/BackendClient.cs",
     "internal static SocketsHttpHandler NoRedirects() => new() { AllowAutoRedirect = false, UseCookies = false };",
     "internal static SocketsHttpHandler NoRedirects() => new() { AllowAutoRedirect = true, UseCookies = false };",
     "FullyQualifiedName~CliRedirectTests"),
    ("two flooding tenants fill the queue (no reserve for quiet tenants)", "src/BluBees.Engine/Runs/SqliteRunQueue.Admission.cs",
     "if ((queued >= _options.QueueCapacity - _options.QueueReserve || bytes >= _options.QueueCapacityBytes - _options.QueueReserveBytes)",
     "if (false && (queued >= _options.QueueCapacity - _options.QueueReserve || bytes >= _options.QueueCapacityBytes - _options.QueueReserveBytes)",
     "FullyQualifiedName~QueueShareTests"),
    ("uninstall on DynamoDB deletes in key order (definitions last)", "src/BluBees.Aws/DynamoDb/PartitionDeleter.cs",
     "foreach (var prefix in Engine.Storage.Keys.LastingPrefixes)",
     "foreach (var prefix in Array.Empty<string>())",
     "FullyQualifiedName~UninstallStoreFailureTests", "tests/BluBees.Aws.Tests"),
    ("the caller's User-Agent exported in a span", "src/BluBees.Api/Observability/TelemetryScrubber.cs",
     'if (tag.Key is "url.query" or "http.url" or "http.target" or "user_agent.original" or "http.user_agent"',
     'if (tag.Key is "url.query" or "http.url" or "http.target"',
     "FullyQualifiedName~TelemetrySentinelTests"),
    ("the caller's tracestate kept as the span's trace state", "src/BluBees.Api/Observability/TelemetryScrubber.cs",
     ["public override void OnStart(Activity data) => data.TraceStateString = null;", "        data.TraceStateString = null;\n        List<string>? drop = null;"],
     ["public override void OnStart(Activity data) { }", "        List<string>? drop = null;"],
     "FullyQualifiedName~TelemetrySentinelTests"),
    ("a deleted connection's OAuth token kept in memory", "src/BluBees.Engine/Connections/ConnectionService.cs",
     "credentials?.Forget(tenantId, id);", "_ = credentials;",
     "FullyQualifiedName~OAuthTokenForgottenTests"),
    ("an uninstall cut off after its mark never finished", "src/BluBees.Engine/Tenancy/TenantService.cs",
     "if (await _uninstalled.IsMarkedAsync(id, ct))", "if (await _uninstalled.IsMarkedAsync(id, ct) && id.Value.Length < 0)",
     "FullyQualifiedName~UninstallResumeTests"),
    ("a finish-uninstall message erases an installed tenant", "src/BluBees.Engine/Tenancy/TenantService.cs",
     "        if (!await _uninstalled.IsMarkedAsync(tenantId, ct))\n        {\n            return false;\n        }\n\n        await EraseAsync(tenantId, CancellationToken.None);",
     "        if (tenantId.Value.Length < 0)\n        {\n            return false;\n        }\n\n        await EraseAsync(tenantId, CancellationToken.None);",
     "FullyQualifiedName~UninstallFinishTests", "tests/BluBees.Aws.Tests"),
    ("an uninstall refused part way on AWS never finished", "src/BluBees.Engine/Tenancy/TenantService.cs",
     "            await RequestFinishAsync(finishing, tenantId, TimeSpan.Zero, ex);\n            throw;",
     "            throw;",
     "FullyQualifiedName~UninstallFinishTests", "tests/BluBees.Aws.Tests"),
    ("a caller's traceparent, tracestate and baggage passed on to Atlassian", "src/BluBees.Api/Infrastructure/AtlassianHttpHandler.cs",
     "UseCookies = false, ActivityHeadersPropagator = NoHeaders };", "UseCookies = false };",
     "FullyQualifiedName~CallerTraceHeadersTests"),
    ("the queue's totals not recounted on open (a file without them, or with wrong ones, admits past the shares)", "src/BluBees.Engine/Runs/SqliteRunQueue.Schema.cs",
     "            DELETE FROM run_queue_total;\n", "            DELETE FROM run_queue_total WHERE 0;\n",
     "FullyQualifiedName~QueueTotalsTests"),
    ("dry runs not bounded per tenant (one tenant's renders take every thread)", "src/BluBees.Api/Admin/DryRunGate.cs",
     "if (held >= options.Value.PerTenantConcurrency)", "if (held >= options.Value.PerTenantConcurrency * 1000)",
     "FullyQualifiedName~DryRunShareTests"),
    ("an SQS batch without the worker reserve (two hanging tenants hold every slot)", "src/BluBees.Aws/Sqs/BatchShares.cs",
     "(held > 0 && _total >= workers - reserve)", "(held > 0 && _total >= workers - Math.Min(reserve, 0))",
     "FullyQualifiedName~SqsBatchFairnessTests.Two_tenants", "tests/BluBees.Aws.Tests"),
    ("support grants uncapped (every support read goes through all of them)", "src/BluBees.Engine/Support/SupportGrantStore.cs",
     "return active + adding > MaxActive ? GrantLimit.Active : recent + adding > MaxPerWindow ? GrantLimit.PerWindow : null;",
     "return null;",
     "FullyQualifiedName~SupportGrantTests.A_grant_past_the_active_limit"),
    ("a failed restore leaves the tenant's directory entry behind", "src/BluBees.Cli/Operator/BackupRestorer.cs",
     "            if (!before.Listed && await partition.GetAsync(Keys.DataKey, CancellationToken.None) is null)",
     "            if (!before.Listed && tenantId.Value.Length < 0)",
     "FullyQualifiedName~BackupRestoreStoreFailureTests|FullyQualifiedName~BackupRestoreTests.A_restore_refused_by_KMS", "tests/BluBees.Aws.Tests"),
    ("filtered events' trace writes not bounded per tenant (a flood holds the file's write lock)", "src/BluBees.Engine/Runs/EventIngestor.Trace.cs",
     "if (!_traceWrites.TryAdd(tenantId, 0))", "if (!_traceWrites.TryAdd(tenantId, 0) && tenantId.Value.Length < 0)",
     "FullyQualifiedName~FilteredTraceShareTests"),
    ("issue data walks a request out of its base path through encoded dot segments ('..%2F', '..;')", "src/BluBees.Engine/Steps/RequestBuilder.cs",
     "if ((step.Url is null || !step.Url.IsConstant) && RenderedPath.HasHiddenDotSegment(uri))",
     "if ((step.Url is null || !step.Url.IsConstant) && RenderedPath.HasHiddenDotSegment(uri) && uri.Port < 0)",
     "FullyQualifiedName~PathTraversalTests.An_encoded_value", "tests/BluBees.Engine.Tests"),
    ("issue data in a templated url leaves the path its template names", "src/BluBees.Engine/Steps/RequestBuilder.cs",
     "&& !uri.AbsolutePath.StartsWith(directory, StringComparison.Ordinal))",
     "&& !uri.AbsolutePath.StartsWith(directory, StringComparison.Ordinal) && uri.Port < 0)",
     "FullyQualifiedName~PathTraversalTests.Issue_data_in_a_templated_url", "tests/BluBees.Engine.Tests"),
    ("issue data rendered into a URL's path or query is not encoded (a '?', '#', '/' or '&' in it changes the request)", "src/BluBees.Engine/Templates/SimpleNodes.cs",
     'output.Append(output.InPathOrQuery && !Expression.EndsWith("url_encode", "url_raw") ? UrlEncoded(ctx, text) : text);',
     'output.Append(output.InPathOrQuery && text.Length < 0 && !Expression.EndsWith("url_encode", "url_raw") ? UrlEncoded(ctx, text) : text);',
     "FullyQualifiedName~UrlDataEncodingTests", "tests/BluBees.Engine.Tests"),
    ("a value '..' rendered into a path moves the request up a level", "src/BluBees.Engine/Steps/RequestBuilder.cs",
     "if (RenderedPath.HasEncodedDotSegment(target))",
     "if (RenderedPath.HasEncodedDotSegment(target) && target.Length < 0)",
     "FullyQualifiedName~UrlDataEncodingTests.A_value_that_is_a_dot_segment", "tests/BluBees.Engine.Tests"),
    ("an empty value (a skipped step's output) leaves an empty path segment: a request meant for one item goes to the collection", "src/BluBees.Engine/Templates/Template.cs",
     "if (output.LeftAnEmptySegment())",
     "if (output.LeftAnEmptySegment() && ctx.Steps < 0)",
     "FullyQualifiedName~UrlDataEncodingTests.A_value_that_leaves_a_path_segment_empty", "tests/BluBees.Engine.Tests"),
    ("a query-string API key carried by the rendered path goes ahead of the connection's", "src/BluBees.Engine/Steps/RequestBuilder.cs",
     "                target = WithoutParameter(target, credential.Name);",
     "                target = credential.Name.Length < 0 ? WithoutParameter(target, credential.Name) : target;",
     "FullyQualifiedName~QueryCredentialPrecedenceTests", "tests/BluBees.Engine.Tests"),
    ("an uninstall whose body is JSON null deletes the tenant", "src/BluBees.Api/Infrastructure/JsonBody.cs",
     "            : node is JsonObject obj ? (obj, null)\n            : (null, Invalid(\"$\", notAnObject));",
     "            : node is JsonObject obj ? (obj, null)\n            : node is null ? (null, null)\n            : (null, Invalid(\"$\", notAnObject));",
     "FullyQualifiedName~InputEdgeCaseTests.PreUninstall_with_a_body_that_is_json_but_not_an_object"),
    ("a clock stepped back makes a tenant's finished runs look like an earlier installation's (no record)", "src/BluBees.Engine/Runs/SqliteRunQueue.Finish.cs",
     "            return created == acceptedUnder;",
     "            return created == acceptedUnder && !Crypto.StoredDataKey.IsLaterInstallation(data, claimed.EnqueuedAt);",
     "FullyQualifiedName~ClockStepBackTests"),
    ("a suspect (leased when the process died) is claimed in a batch beside others again (a poison message uses up its batch-mates' attempts)", "src/BluBees.Engine/Runs/SqliteRunQueue.Claims.cs",
     "                if (_suspects && ClaimUnderSuspicion(w, tryTake, give, idle, now, out var alone))",
     "                if (_suspects && idle.Method is null && ClaimUnderSuspicion(w, tryTake, give, idle, now, out var alone))",
     "FullyQualifiedName~SuspectTests"),
    ("the worker's SQS batch route answers any caller on the network again (a forged batch processed)", "src/BluBees.Api/Worker/WorkerEndpoints.cs",
     "        if (LoopbackCallers.IsLoopback(context.HttpContext))",
     "        if (LoopbackCallers.IsLoopback(context.HttpContext) || context.HttpContext.Request.Path.HasValue)",
     "FullyQualifiedName~WorkerRouteNetworkTests"),
    ("a network caller's X-Forwarded-For: 127.0.0.1 passes the loopback check again (with ASPNETCORE_FORWARDEDHEADERS_ENABLED: a dev token for any tenant, a forged batch processed)", "src/BluBees.Api/Infrastructure/LoopbackCallers.cs",
     "        => IsLoopback(TransportPeer.Of(context)) && IsLoopback(context.Connection.RemoteIpAddress);",
     "        => IsLoopback(context.Connection.RemoteIpAddress);",
     "FullyQualifiedName~ForwardedLoopbackTests"),
    ("a route mapped without deciding who may call it (a new /api route, left to the group's default)", "src/BluBees.Api/Scheduling/SchedulingSetup.cs",
     '        api.MapGet("/schedules/next", NextRunsEndpoint.Get).Query("cron", "timeZone", "count");',
     '        api.MapGet("/schedules/next", NextRunsEndpoint.Get).Query("cron", "timeZone", "count");\n        api.MapGet("/schedules/preview", NextRunsEndpoint.Get);',
     "FullyQualifiedName~EveryRouteDecisionTests"),
    ("the anonymous OpenAPI document starts beside an AWS provider (every admin route named to anyone in production)", "src/BluBees.Api/Infrastructure/OpenApiDocumentOptions.cs",
     "        if (Enabled && AwsProvider is { } aws)",
     "        if (Enabled && AwsProvider is { } aws && aws.Length < 0)",
     "FullyQualifiedName~ApiOptionsValidationTests.The_anonymous_openapi_document"),
    ("/health says ok while the store writes to a file no longer at its path (a copy renamed over it: data lost at restart)", "src/BluBees.Engine/Storage/SqliteStore.Probe.cs",
     "        if (SqliteFileIdentity.HasMoved(_anchor))",
     "        if (SqliteFileIdentity.HasMoved(_anchor) && _anchor.DataSource.Length < 0)",
     "FullyQualifiedName~HealthStoreFileTests"),
    ("an uninstall erases the WAL but no longer rebuilds the file (stale copies of the tenant's rows stay in pages' unallocated space)", "src/BluBees.Engine/Tenancy/TenantService.cs",
     "            else if (!await eraser.RebuildAndEraseResidueAsync(ct) && logger is not null)",
     "            else if (!await eraser.EraseResidueAsync(ct) && logger is not null)",
     "FullyQualifiedName~SqliteStaleCellTests.An_uninstall", "tests/BluBees.Engine.Tests"),
    ("an OAuth token fetched after its connection was deleted is cached for the life of the process again", "src/BluBees.Engine/Connections/OAuth/OAuthTokenProvider.cs",
     "        if (await DeletedAsync(slot, tenantId, connection))",
     "        if (connection.Id.Length < 0 && await DeletedAsync(slot, tenantId, connection))",
     "FullyQualifiedName~OAuthTokenForgottenTests"),
    ("a rule summary a later build wrote makes the event path's rule list throw again (/forge/events 500 for every event of the tenant)", "src/BluBees.Engine/Rules/RuleService.RunHeads.cs",
     "                metrics.RuleNotCompilable(NotCompilableReasons.UnreadableHead);",
     "                if (item.Sk.Length > 0) { throw; }\n                metrics.RuleNotCompilable(NotCompilableReasons.UnreadableHead);",
     "FullyQualifiedName~A_rule_summary_a_later_build"),
    ("a support grant a later build wrote grants access here (read leniently by the access check)", "src/BluBees.Engine/Support/SupportGrantStore.cs",
     "            return StoredJson.Read<SupportGrant>(data);",
     "            return StoredJson.ReadTolerant<SupportGrant>(data);",
     "FullyQualifiedName~LaterBuildItemsApiTests.No_admin_or_support_route_answers_500_for_items_a_later_build_wrote"),
    ("an edit of a connection a later build saved keeps its stored secret", "src/BluBees.Engine/Connections/ConnectionService.cs",
     "var sameMeaning = !laterBuild",
     "var sameMeaning = laterBuild || !laterBuild",
     "FullyQualifiedName~Editing_a_connection_a_later_build_saved"),
    ("the uninstall keeps the tenant's key share (an old copy of the database opens its data key with the ring)", "src/BluBees.Engine/Tenancy/TenantService.cs",
     "        await keys.ShredAsync(tenantId, ct);",
     "        keys.Evict(tenantId);",
     "FullyQualifiedName~OldDatabaseCopyTests"),
    ("backup export of an installation marked uninstalled (its secrets decrypted into a new file)", "src/BluBees.Cli/Operator/BackupExporter.cs",
     "if (await new UninstalledInstallations(store, time).IsMarkedAsync(tenantId, ct))",
     "if (tenantId.Value.Length < 0)",
     "FullyQualifiedName~CliBackupTests.An_uninstalled_installation"),
    ("framework log lines keep the caller's query string (?token=...)", "src/BluBees.Api/Observability/FrameworkLogRules.cs",
     '["QueryString"] = value => value is string { Length: > 0 } ? "?" + Redacted : value,',
     '["QueryString"] = value => value,',
     "FullyQualifiedName~FrameworkLogRedactionTests.A_query_string"),
    ("a logged exception keeps its message (it may quote a header line, a URL or a body)", "src/BluBees.Api/Observability/RedactingLogger.cs",
     'message = message + " [" + types + "]"',
     'message = message + " [" + types + ": " + exception.Message + "]"',
     "FullyQualifiedName~FrameworkLogRedactionTests.An_exception"),
    ("a life-cycle event racing an uninstall keeps what it wrote (META, directory entry, a new data key)", "src/BluBees.Engine/Tenancy/TenantService.cs",
     "        if (!await _uninstalled.IsMarkedAsync(tenantId, CancellationToken.None))\n        {\n            return true;\n        }\n",
     "        if (tenantId.Value.Length >= 0)\n        {\n            return true;\n        }\n",
     "FullyQualifiedName~LifecycleUninstallRaceTests"),
    ("two deletes of one connection share one 'being deleted' mark (a rule saved between them points at a deleted connection)", "src/BluBees.Engine/Rules/ReferenceGuard.cs",
     'var mark = MarkPrefix(sk) + Guid.NewGuid().ToString("N");',
     'var mark = MarkPrefix(sk) + "shared";',
     "FullyQualifiedName~ReferenceGuardRaceTests|FullyQualifiedName~ReferenceGuardTests"),
    ("a deleted secret's key share stays in the process's memory (the cache serves it after the delete)", "src/BluBees.Engine/Crypto/TenantKeyShares.cs",
     "        _secretShares.Forget(tenantId.Value, id);\n",
     "",
     "FullyQualifiedName~SecretShareCacheTests.Deleting_a_secrets_share", "tests/BluBees.Engine.Tests"),
    ("a deleted or replaced secret's share is kept (an old copy of the database opens the deleted credential)", "src/BluBees.Engine/Crypto/SecretCipher.cs",
     "                keys.Provider.DeleteSecretShare(tenantId, shareId);\n",
     "",
     "FullyQualifiedName~OldDatabaseCopyTests.While_the_tenant_stays_installed"),
    ("a connection deleted while an edit replaced its secret keeps the new secret's share (plain delete of what was read)", "src/BluBees.Engine/Connections/ConnectionService.cs",
     "var deletedItem = await partition.DeleteAsReadAsync(Keys.Connection(id), existingItem, CancellationToken.None);",
     "var deletedItem = await partition.DeleteAsync(Keys.Connection(id), CancellationToken.None) ? existingItem : null;",
     "FullyQualifiedName~DeleteRacingSecretReplaceTests"),
    ("shares an earlier release left after deleting their secrets are never swept (retention skips the sweep)", "src/BluBees.Engine/Retention/RetentionService.cs",
     "            await SweepSecretSharesAsync(stoppingToken);\n",
     "",
     "FullyQualifiedName~EarlierReleaseSecretShareTests"),
    ("a run started beside its accept calls out before the accept committed (the commit wait does nothing)", "src/BluBees.Engine/Egress/AcceptCommit.cs",
     "return accept is null || Volatile.Read(ref accept._state) == Committed ? ValueTask.CompletedTask : accept.WaitSlowAsync(ct);",
     "return ValueTask.CompletedTask;",
     "FullyQualifiedName~EarlyStartTests", "tests/BluBees.Api.Tests"),
    ("a run started beside its accept goes on when its row was written waiting (a new event overtakes the older one its transaction saw)", "src/BluBees.Engine/Runs/SqliteRunQueue.cs",
     "o => Settle(early, leased && o == EnqueueOutcome.Accepted)",
     "o => Settle(early, o == EnqueueOutcome.Accepted)",
     "FullyQualifiedName~EarlyStartTests", "tests/BluBees.Api.Tests"),
    ("a run started beside its accept keeps its lease although an older message waits (a new event overtakes it)", "src/BluBees.Engine/Runs/SqliteRunQueue.HandOff.cs",
     "private bool KeepsEarlyStart(Storage.SqliteWriter w) => _alone is null && !AnyClaimable(w, NowMs);",
     "private bool KeepsEarlyStart(Storage.SqliteWriter w) => _alone is null;",
     "FullyQualifiedName~EarlyStartTests", "tests/BluBees.Api.Tests"),
    ("an accept that failed leaves the run started beside it waiting (never withdrawn)", "src/BluBees.Engine/Runs/SqliteRunQueue.HandOff.cs",
     "            early.Withdraw(); // its slot and share go back when the run sees it\n",
     "",
     "FullyQualifiedName~EarlyStartTests.A_run_started_beside_an_accept_that_fails", "tests/BluBees.Api.Tests"),
    ("uninstall race: a data key being shredded reads as a lost key share (Error 3106, messages retried)", "src/BluBees.Engine/Crypto/TenantKeyService.cs",
     "if (await IsBeingUninstalledAsync(tenantId, ct))",
     "if (await IsBeingUninstalledAsync(tenantId, ct) && tenantId.Value.Length < 0)",
     "FullyQualifiedName~UninstallRacingQueuedRunsTests.Messages_claimed_while", "tests/BluBees.Api.Tests"),
    ("uninstall race: a message whose key went between the check and the open is unopenable (warning, retried), not dropped", "src/BluBees.Engine/Runs/RunWorker.cs",
     "if (ex is CryptographicException && await TenantGoneAsync(claimed.Tenant, ct))",
     "if (ex is CryptographicException && await TenantGoneAsync(claimed.Tenant, ct) && claimed.Attempts < 0)",
     "FullyQualifiedName~UninstallRacingQueuedRunsTests.A_message_opened_just_after", "tests/BluBees.Api.Tests"),
    ("run record keeps whatever Jira's answer names as the issue key (pass-through data in the record)", "src/BluBees.Engine/Runs/RecordedIssue.cs",
     "=> Read(() => evt?.IssueKey) is { } key && EventShape.IsIssueKey(key) ? key : null;",
     "=> Read(() => evt?.IssueKey) is { } key && (EventShape.IsIssueKey(key) || key.Length > 0) ? key : null;",
     "FullyQualifiedName~ManualRunIssueTests.An_answer_whose", "tests/BluBees.Api.Tests"),
    ("a JQL schedule keys its runs by whatever Jira's answer names as an issue id (kept in the marker's key)", "src/BluBees.Engine/Steps/Jira/JiraIssueSearch.cs",
     "is not { Length: > 0 and <= 20 } id || !id.All(char.IsAsciiDigit))",
     "is not { Length: > 0 } id)",
     "FullyQualifiedName~CronJqlTests.An_answer_issue", "tests/BluBees.Api.Tests"),
    ("a deleted key share is unlinked without being overwritten (another name of its file, or its freed blocks, keep the share)", "src/BluBees.Engine/Crypto/TenantKeyShares.cs",
     "            ReplacedFile.Shred(file);\n",
     "            _ = file.Length;\n",
     "FullyQualifiedName~ShreddedShareBytesTests", "tests/BluBees.Api.Tests"),
    ("a replaced key ring file is unlinked without being overwritten (another name of it keeps a retired key-encryption key)", "src/BluBees.Engine/Storage/ReplacedFile.cs",
     "            Shred(replaced);\n        }\n\n        if (named)",
     "            _ = replaced.Length;\n        }\n\n        if (named)",
     "FullyQualifiedName~ReplacedKeyRingBytesTests", "tests/BluBees.Engine.Tests"),
    ("a key ring replacement killed between its rename and its zeroing is not finished at the next start (a hard link keeps the retired key)", "src/BluBees.Engine/Storage/ReplacedFile.cs",
     "        if (!File.Exists(temp))\n",
     "        if (!File.Exists(temp) && File.Exists(temp))\n",
     "FullyQualifiedName~KilledRetireRingTests", "tests/BluBees.Api.Tests"),
    ("a backup exported over an earlier one leaves it readable through another name of its file", "src/BluBees.Cli/Operator/BackupFile.cs",
     "ReplacedFile.Shred(replaced);",
     "_ = replaced.Length;",
     "FullyQualifiedName~CliBackupTests.An_export_over_an_earlier_backup", "tests/BluBees.Api.Tests"),
]

WORK = ROOT  # replaced by the throwaway copy in main()
LOGS = ROOT / "artifacts" / "mutants"  # one log per mutant (build and test output), to see why it was or was not caught
SUMMARY = re.compile(r"(Passed|Failed)!\s+-\s+Failed:\s+(\d+),\s+Passed:\s+(\d+),\s+Skipped:\s+(\d+),\s+Total:\s+(\d+)")


# Analyzers and code-style checks are off for mutant builds: they prove nothing about behaviour, and they are
# most of the compile time of every rebuild (the real build keeps them, with warnings as errors).
BUILD = "-c Release --nologo -v q -p:RunAnalyzers=false -p:EnforceCodeStyleInBuild=false"


def run(cmd):
    return subprocess.run(cmd, cwd=WORK, shell=True, capture_output=True, text=True)


def project_of(test_filter, project_choice):
    return project_choice[0] if project_choice else "tests/BluBees.Engine.Tests" if "AddressClassifierTests" in test_filter else "tests/BluBees.Api.Tests"


def outcome(test):
    """What the test run says, from VSTest's summary line, not from the exit code alone: a non-zero exit
    without a failed test (a crashed host, a filter that matched nothing) is not a catch."""
    text = test.stdout + test.stderr
    found = SUMMARY.findall(text)
    failed = sum(int(f) for _, f, _, _, _ in found)
    passed = sum(int(p) for _, _, p, _, _ in found)
    skipped = sum(int(k) for _, _, _, k, _ in found)
    # A fixture that could not start (dynalite missing, a port taken) fails every test without the mutant having
    # been run against: not a catch.
    if "OneTimeSetUp:" in text or "dynalite is not installed" in text:
        return f"ERROR: the fixture did not start ({failed} failed); see the log (AWS tests need dynalite: scripts/dynalite.sh start)"
    if failed > 0:
        return f"caught: {failed} failed, {passed} passed"
    if passed + skipped == 0:
        return "ERROR: no test matched the filter" if "No test matches the given testcase filter" in text else f"ERROR: no test result (exit {test.returncode})"
    if test.returncode != 0:
        return f"ERROR: test run failed without a failed test (exit {test.returncode})"
    return f"NOT CAUGHT ({passed} passed" + (f", {skipped} skipped)" if skipped else ")")


def copy_tree():
    """Tracked and untracked-but-not-ignored files, as they are in the working tree now."""
    dest = pathlib.Path(tempfile.mkdtemp(prefix="blubees-mutants-"))
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, capture_output=True, check=True)
    for rel in filter(None, listed.stdout.decode().split("\0")):
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    return dest


def baseline(selected):
    """Every selected filter on the unmutated tree, one run per test project: all must pass (none skipped),
    so that a mutant's failure is the mutant's doing, not a test that fails anyway."""
    ok = True
    by_project = {}
    for _, _, _, _, test_filter, *choice in selected:
        by_project.setdefault(project_of(test_filter, choice), []).append(test_filter)
    for project, filters in by_project.items():
        build = run(f"dotnet build {project} {BUILD}")
        (LOGS / f"baseline-{pathlib.Path(project).name}.log").write_text(build.stdout + build.stderr)
        if build.returncode != 0:
            print(f"baseline: {project} does not build unmutated", flush=True)
            ok = False
            continue
        test = run(f'dotnet test {project} -c Release --no-build --nologo --filter "{"|".join(filters)}"')
        (LOGS / f"baseline-{pathlib.Path(project).name}.log").write_text(build.stdout + build.stderr + test.stdout + test.stderr)
        found = SUMMARY.findall(test.stdout)
        result = found[-1] if found else None
        clean = test.returncode == 0 and result is not None and result[1] == "0" and result[3] == "0" and result[4] != "0"
        print(f"baseline: {project}: {'all pass' if clean else 'NOT CLEAN'} {result}", flush=True)
        ok = ok and clean
    return ok


def main():
    global WORK
    args = sys.argv[1:]
    with_baseline = "--baseline" in args
    # --from=N: start at the N-th mutant (1-based, as numbered in the logs), to resume an interrupted run.
    start = next((int(a.split("=", 1)[1]) for a in args if a.startswith("--from=")), 1)
    only = [a for a in args if not a.startswith("--")]
    selected = [m for m in MUTATIONS[start - 1:] if not only or any(o in m[0] for o in only)]
    rows = []
    WORK = copy_tree()
    LOGS.mkdir(parents=True, exist_ok=True)
    print(f"working in {WORK} (the repository is not modified); logs in {LOGS}", flush=True)
    if with_baseline and not baseline(selected):
        print("the unmutated tree does not pass the selected tests: a mutant's failure would prove nothing", flush=True)
        shutil.rmtree(WORK, ignore_errors=True)
        return 2
    for name, rel, old, new, test_filter, *project_choice in selected:
        index = MUTATIONS.index(next(m for m in MUTATIONS if m[0] == name)) + 1
        path = WORK / rel
        original = path.read_text()
        olds, news = (old, new) if isinstance(old, list) else ([old], [new])
        if any(original.count(o) != 1 for o in olds):
            rows.append((name, rel, "SNIPPET NOT FOUND (update this script)"))
            print(f"{rows[-1][2]:>40}  {name}", flush=True)
            continue
        try:
            mutated = original
            for o, n in zip(olds, news):
                mutated = mutated.replace(o, n)
            path.write_text(mutated)
            project = project_of(test_filter, project_choice)
            build = run(f"dotnet build {project} {BUILD}")
            log = LOGS / f"{index:02d}.log"
            log.write_text(f"{name}\n{rel}\n{test_filter}\n\n" + build.stdout + build.stderr)
            if build.returncode != 0:
                rows.append((name, rel, "ERROR: mutant did not compile"))
            else:
                test = run(f'dotnet test {project} -c Release --no-build --nologo --filter "{test_filter}"')
                log.write_text(log.read_text() + test.stdout + test.stderr)
                rows.append((name, rel, outcome(test)))
        finally:
            path.write_text(original)
        print(f"{rows[-1][2]:>40}  {name}", flush=True)
    shutil.rmtree(WORK, ignore_errors=True)
    table = "| Guarantee broken | File | Outcome |\n|---|---|---|\n" + "\n".join(f"| {n} | `{r}` | {o} |" for n, r, o in rows)
    (ROOT / "artifacts" / "security-mutations.md").write_text(table + "\n")
    print(table)
    return 0 if all(o.startswith("caught") for _, _, o in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
