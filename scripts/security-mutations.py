#!/usr/bin/env python3
"""Breaks each security guarantee once, on purpose, and checks that its tests fail.

Each mutation replaces one snippet in one source file, rebuilds, runs the named tests, and expects at
least one failure. Mutants are made in a throwaway copy of the working tree (under the system temp
directory), never in the repository itself, so an interrupted run cannot leave a broken guarantee behind. Prints a table (also written to
artifacts/security-mutations.md). Run from the repository root: python3 scripts/security-mutations.py
It takes a few minutes; it is not part of the test run.
"""
import pathlib, shutil, subprocess, sys, tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
MUTATIONS = [
    ("alg none accepted without a signature (the classic JWT bug)", "src/BluBees.Api/Auth/Rs256Jws.cs",
     ['alg.GetString() != "RS256")', "if (firstDot <= 0 || secondDot <= firstDot + 1 || secondDot == token.Length - 1 ||",
      "if (!TryDecode(token.AsSpan(secondDot + 1), out var signature) || signature.Length != key.KeySize / 8)",
      "if (!key.VerifyData(Encoding.ASCII.GetBytes(token, 0, secondDot), signature,"],
     ['alg.GetString() is not ("RS256" or "none"))', "if (firstDot <= 0 || secondDot <= firstDot + 1 ||",
      "var none = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token.AsSpan(0, firstDot))).Contains(\"none\", StringComparison.Ordinal);\n        var signature = none ? [] : Base64Url.DecodeFromChars(token.AsSpan(secondDot + 1));\n        if (!none && signature.Length != key.KeySize / 8)",
      "if (!none && !key.VerifyData(Encoding.ASCII.GetBytes(token, 0, secondDot), signature,"],
     "FullyQualifiedName~HostileTokenTests.Alg_none"),
    ("signature not verified", "src/BluBees.Api/Auth/Rs256Jws.cs",
     "if (!key.VerifyData(Encoding.ASCII.GetBytes(token, 0, secondDot), signature,",
     "if (false && !key.VerifyData(Encoding.ASCII.GetBytes(token, 0, secondDot), signature,",
     "FullyQualifiedName~HostileTokenTests|FullyQualifiedName~TokenTests.A_bad_signature"),
    ("audience not checked", "src/BluBees.Api/Auth/ForgeClaims.cs",
     "if (!AudienceMatches(claims, options.AppId))", "if (false && !AudienceMatches(claims, options.AppId))",
     "FullyQualifiedName~TokenTests.A_wrong_audience|FullyQualifiedName~HostileTokenTests.An_audience"),
    ("expiry skew unbounded", "src/BluBees.Api/Auth/ForgeClaims.cs",
     "if (nowSeconds > expSeconds + skew)", "if (nowSeconds > expSeconds + skew + 3600)",
     "FullyQualifiedName~TokenTests.An_expired_token"),
    ("jku header honoured (not refused)", "src/BluBees.Api/Auth/Rs256Jws.cs",
     'private static readonly string[] ForbiddenHeaders = ["jku", "jwk", "x5u", "x5c", "x5t", "x5t#S256", "crit"];',
     'private static readonly string[] ForbiddenHeaders = ["x5t#S256", "crit"];',
     "FullyQualifiedName~Key_location_headers"),
    ("token length not capped", "src/BluBees.Api/Auth/Rs256Jws.cs",
     "if (token.Length > maxLength)", "if (token.Length > maxLength * 100)",
     "FullyQualifiedName~An_oversized_token"),
    ("JWKS refetched on every unknown kid", "src/BluBees.Api/Auth/JwksCache.cs",
     ["if (now - _lastFetchAttempt < TimeSpan.FromSeconds(opts.JwksRefreshCooldownSeconds))",
      "if (now - _lastFetchAttempt >= TimeSpan.FromSeconds(opts.JwksRefreshCooldownSeconds))"],
     ["if (now - _lastFetchAttempt < TimeSpan.Zero)", "if (now - _lastFetchAttempt >= TimeSpan.Zero)"],
     "FullyQualifiedName~JwksCooldownTests"),
    ("a route without authorization", "src/BluBees.Api/Admin/RunsEndpoints.cs",
     'api.MapGet("/runs/{id}", GetAsync);', 'api.MapGet("/runs/{id}", GetAsync).AllowAnonymous();',
     "FullyQualifiedName~RouteProtectionTests"),
    ("tenant read from a header", "src/BluBees.Api/Auth/ForgeAuthenticationHandler.cs",
     "Context.Features.Set(tenant);", 'Context.Features.Set(Request.Headers.TryGetValue("X-Tenant", out var t) ? tenant with { TenantId = t.ToString() } : tenant);',
     "FullyQualifiedName~The_tenant_comes_from_the_token"),
    ("connections looked up across tenants", "src/BluBees.Engine/Connections/ConnectionService.cs",
     "var item = await store.GetAsync(Keys.Tenant(tenantId), Keys.Connection(id), ct);",
     "var item = await store.GetAsync(Keys.Tenant(tenantId), Keys.Connection(id), ct) ?? (await store.QueryAsync(new QueryRequest(Keys.DirectoryPk, \"T#\"), ct)).Items.Select(d => store.GetAsync(\"T#\" + d.Sk[2..], Keys.Connection(id), ct).Result).FirstOrDefault(i => i is not null);",
     "FullyQualifiedName~TenantIsolationTests"),
    ("dedup key without the tenant", "src/BluBees.Engine/Runs/EventIngestor.cs",
     "var pk = Keys.Tenant(tenant.TenantId);", 'var pk = "DEDUP-GLOBAL";',
     "FullyQualifiedName~The_same_event_for_two_tenants"),
    ("payload logged", "src/BluBees.Engine/Runs/EventIngestor.cs",
     "LogAccepted(logger, evt.EventType);", "LogAccepted(logger, evt.Body.ToJsonString());",
     "FullyQualifiedName~PassThroughTests.Event_reaches|FullyQualifiedName~PassThroughBatteryTests"),
    ("exception logged with its message (a resolver failure)", "src/BluBees.Engine/Egress/EgressGuard.cs",
     "        catch (Exception e) when (e is not OperationCanceledException)\n        {\n            addresses = [];",
     "        catch (Exception e) when (e is not OperationCanceledException)\n        {\n            _logger.Log(LogLevel.Warning, default, e.ToString(), null, (state, _) => state);\n            addresses = [];",
     "FullyQualifiedName~PassThroughBatteryTests"),
    ("secret echoed by the API on create", "src/BluBees.Api/Admin/ConnectionsEndpoints.cs",
     'TypedResults.Created($"/api/connections/{c.Id}", ConnectionView.From(c))',
     'TypedResults.Created($"/api/connections/{c.Id}", ConnectionView.From(c with { Name = c.Name + input!.Secret }))',
     "FullyQualifiedName~PassThroughBatteryTests|FullyQualifiedName~AdminApiTests"),
    ("secret stored in plaintext", "src/BluBees.Engine/Crypto/SecretCipher.cs",
     'return Prefix + Convert.ToBase64String(Aead.Seal(key, bytes, Aad(tenantId, recordId)));',
     'return Prefix + Convert.ToBase64String(Aead.Seal(key, bytes, Aad(tenantId, recordId))) + "." + plaintext;',
     "FullyQualifiedName~PassThroughTests.Event_reaches"),
    ("uninstall keeps the data key", "src/BluBees.Engine/Tenancy/TenantService.cs",
     "var deleted = await store.DeletePartitionAsync(Keys.Tenant(tenantId), ct);",
     "var kept = await store.GetAsync(Keys.Tenant(tenantId), Keys.DataKey, ct); var deleted = await store.DeletePartitionAsync(Keys.Tenant(tenantId), ct); if (kept is not null) { await store.PutAsync(kept, ct); }",
     "FullyQualifiedName~LifecycleTests"),
    ("no HSTS header", "src/BluBees.Api/Infrastructure/SecurityHeaders.cs",
     'headers.StrictTransportSecurity = "max-age=31536000; includeSubDomains";', 'headers.StrictTransportSecurity = "max-age=300";',
     "FullyQualifiedName~TransportHygieneTests"),
    ("egress allows loopback by default", "src/BluBees.Engine/Egress/AddressClassifier.cs",
     "public static bool IsBlocked(IPAddress address, out string reason) => IsBlocked(address, false, out reason);",
     "public static bool IsBlocked(IPAddress address, out string reason) => IsBlocked(address, true, out reason);",
     "FullyQualifiedName~AddressClassifierTests"),
    ("regex on the backtracking engine", "src/BluBees.Engine/Rules/Conditions/ConditionCompiler.cs",
     "RegexOptions.NonBacktracking | RegexOptions.CultureInvariant", "RegexOptions.CultureInvariant",
     "FullyQualifiedName~A_backtracking_regex"),
    ("support token without MFA accepted", "src/BluBees.Api/Support/SupportIdentity.cs",
     "return mfa ? null : SupportDenial.Mfa;", "return mfa || true ? null : SupportDenial.Mfa;",
     "FullyQualifiedName~Without_mfa_support_gets_403"),
    ("support read without an active grant", "src/BluBees.Api/Support/SupportAccessFilter.cs",
     "if (await grants.FindActiveAsync(tenantId, http.RequestAborted) is not { } grant)",
     "if ((await grants.FindActiveAsync(tenantId, http.RequestAborted) ?? new BluBees.Engine.Support.SupportGrant(\"g\", DateTimeOffset.MinValue, DateTimeOffset.MaxValue, \"a\", null)) is not { } grant)",
     "FullyQualifiedName~SupportAccessTests|FullyQualifiedName~SupportGrantTests|FullyQualifiedName~SupportExpiryTests"),
    ("support read not audited", "src/BluBees.Api/Support/SupportAccessFilter.cs",
     "await audit.RecordAsync(http, identity, tenantId, SupportAuditOutcome.Allowed, grant.Id, reason: null);",
     "_ = grant.Id;",
     "FullyQualifiedName~SupportAccessTests.With_a_grant"),
    ("credentials kept on a cross-origin redirect", "src/BluBees.Engine/Egress/GuardedHttpClient.cs",
     "call.Headers = RedirectPolicy.WithoutCredentials(call.Headers);", "call.Headers = [.. call.Headers];",
     "FullyQualifiedName~RedirectTests", "tests/BluBees.Engine.Tests"),
    ("socket connects to a fresh DNS answer, not the checked address (rebinding)", "src/BluBees.Engine/Egress/EgressGuard.cs",
     "await socket.ConnectAsync(new IPEndPoint(target, endpoint.Port), ct);",
     "var fresh = (await ResolveAsync(host, ct))[0];\n                await socket.ConnectAsync(new IPEndPoint(fresh.IsIPv4MappedToIPv6 ? fresh.MapToIPv4() : fresh, endpoint.Port), ct);",
     "FullyQualifiedName~Rebinding", "tests/BluBees.Engine.Tests"),
    ("any port allowed", "src/BluBees.Engine/Egress/EgressOptions.cs",
     "AllowAnyPort || (AllowedPorts is { } ports", "true || AllowAnyPort || (AllowedPorts is { } ports",
     "FullyQualifiedName~Port", "tests/BluBees.Engine.Tests"),
    ("ciphertext not bound to its tenant and record", "src/BluBees.Engine/Crypto/SecretCipher.cs",
     'private static string Aad(string tenantId, string recordId) => "blubees/secret/v1|" + tenantId + "|" + recordId;',
     'private static string Aad(string tenantId, string recordId) => "blubees/secret/v1|" + tenantId.Length * 0 + recordId.Length * 0;',
     "FullyQualifiedName~SecretCipherTests", "tests/BluBees.Engine.Tests"),
    ("nbf ignored", "src/BluBees.Api/Auth/ForgeClaims.cs",
     "nowSeconds < nbfSeconds - skew)", "nowSeconds < nbfSeconds - skew - 10_000_000)",
     "FullyQualifiedName~nbf"),
    ("nosniff missing", "src/BluBees.Api/Infrastructure/SecurityHeaders.cs",
     'headers.XContentTypeOptions = "nosniff";', 'headers.XContentTypeOptions = "";',
     "FullyQualifiedName~TransportHygieneTests"),
    ("API responses cacheable", "src/BluBees.Api/Infrastructure/SecurityHeaders.cs",
     'headers.CacheControl = "no-store";', 'headers.CacheControl = "private, max-age=60";',
     "FullyQualifiedName~TransportHygieneTests"),
    ("queue: dedupe marker committed outside the enqueue transaction", "src/BluBees.Engine/Storage/SqliteRunQueue.cs",
     "        await InsertAsync(connection, tx, prepared, claim, ct);\n        await tx.CommitAsync(ct);\n        Wake();\n        return EnqueueOutcome.Accepted;",
     "        await tx.CommitAsync(ct);\n        await using var tx2 = (SqliteTransaction)await connection.BeginTransactionAsync(ct);\n        await InsertAsync(connection, tx2, prepared, claim, ct);\n        await tx2.CommitAsync(ct);\n        Wake();\n        return EnqueueOutcome.Accepted;",
     "FullyQualifiedName~DurableQueueTests"),
    ("queue: ingress writes the dedupe marker by itself, then enqueues", "src/BluBees.Engine/Runs/EventIngestor.cs",
     "if (queue is IDedupingRunQueue { SharesStore: true } deduping)", "if (queue is IDedupingRunQueue { SharesStore: false } deduping)",
     "FullyQualifiedName~DurableQueueTests"),
    ("queue: run record not committed with the queue removal", "src/BluBees.Engine/Storage/SqliteRunQueue.cs",
     "        if (!SharesStore)\n        {\n            foreach (var run in records)",
     "        if (true)\n        {\n            foreach (var run in records)",
     "FullyQualifiedName~DurableQueueTests.Finishing"),
    ("queue: redelivery of an unfinished event answered duplicate", "src/BluBees.Engine/Storage/SqliteRunQueue.cs",
     "if (marker.State != DedupMarker.Queued)", "if (marker.State != DedupMarker.Queued || marker.MessageId is not null)",
     "FullyQualifiedName~DurableQueueTests.A_redelivery"),
    ("queue: a lost (unfinished, not queued) event is never queued again", "src/BluBees.Engine/Storage/SqliteRunQueue.cs",
     "if (marker.MessageId is not null && await ExistsAsync(connection, tx, marker.MessageId, ct))", "if (marker.MessageId is not null)",
     "FullyQualifiedName~DurableQueueTests.A_redelivery"),
]

WORK = ROOT  # replaced by the throwaway copy in main()

def run(cmd):
    return subprocess.run(cmd, cwd=WORK, shell=True, capture_output=True, text=True)

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

def main():
    global WORK
    only = sys.argv[1:]
    rows = []
    WORK = copy_tree()
    print(f"working in {WORK} (the repository is not modified)", flush=True)
    for name, rel, old, new, test_filter, *project_choice in MUTATIONS:
        if only and not any(o in name for o in only):
            continue
        path = WORK / rel
        original = path.read_text()
        olds, news = (old, new) if isinstance(old, list) else ([old], [new])
        if any(original.count(o) != 1 for o in olds):
            rows.append((name, rel, "SNIPPET NOT FOUND (update this script)"))
            continue
        try:
            mutated = original
            for o, n in zip(olds, news):
                mutated = mutated.replace(o, n)
            path.write_text(mutated)
            project = project_choice[0] if project_choice else "tests/BluBees.Engine.Tests" if "AddressClassifierTests" in test_filter else "tests/BluBees.Api.Tests"
            build = run(f"dotnet build {project} -c Release --nologo -v q")
            if build.returncode != 0:
                rows.append((name, rel, "mutant did not compile"))
                continue
            test = run(f'dotnet test {project} -c Release --no-build --nologo --filter "{test_filter}"')
            failed = test.returncode != 0
            rows.append((name, rel, "caught: tests failed" if failed else "NOT CAUGHT"))
        finally:
            path.write_text(original)
        print(f"{rows[-1][2]:>40}  {name}", flush=True)
    shutil.rmtree(WORK, ignore_errors=True)
    table = "| Guarantee broken | File | Outcome |\n|---|---|---|\n" + "\n".join(f"| {n} | `{r}` | {o} |" for n, r, o in rows)
    (ROOT / "artifacts").mkdir(exist_ok=True)
    (ROOT / "artifacts" / "security-mutations.md").write_text(table + "\n")
    print(table)
    return 0 if all(o.startswith("caught") for _, _, o in rows) else 1

if __name__ == "__main__":
    sys.exit(main())
