using BluBees.Engine.Execution;
using BluBees.Engine.Storage;

namespace BluBees.Engine.Runs;

/// <summary>
/// Each tenant's share of the accepts in flight. Every source's accept ends in the queue's one writer (on the embedded
/// queue, the group-commit writer, first come first served, whose admission reads the queue's per-tenant share only
/// once the accept's turn has come), so before this a tenant that sent events faster than the writer commits them kept
/// as many of its accepts waiting there as it had requests open, and every other tenant's accept waited behind all of
/// them: past its source's wait (3 s for a Forge event) it was answered 503, although that tenant had nothing queued.
/// Now a tenant may have <see cref="RunOptions.PerTenantAcceptsInFlight"/> accepts between the ingress and the queue's
/// answer; one more is answered 503 with <c>Retry-After</c> at once, before it is built, encrypted or queued for the
/// writer, and the others' accepts wait behind at most that many of its accepts.
/// </summary>
public sealed partial class EventIngestor
{
    private readonly Lock _acceptsGate = new();

    /// <summary>Accepts in flight per tenant; a tenant's entry goes with its last accept, so this holds only tenants accepting now.</summary>
    private readonly Dictionary<TenantId, int> _accepts = [];

    private int AcceptLimit => runOptions?.Value.PerTenantAcceptsInFlight ?? RunOptions.DefaultPerTenantAcceptsInFlight;

    /// <summary>The tenant's accepts in flight now (tests and diagnostics).</summary>
    internal int AcceptsInFlight(TenantId tenantId)
    {
        lock (_acceptsGate)
        {
            return _accepts.GetValueOrDefault(tenantId);
        }
    }

    /// <summary>
    /// One of the tenant's accept slots for a write of the ingress that does not go through <see cref="SubmitAsync"/> (a
    /// signed delivery to a hook no rule uses writes its replay record and queues nothing), held until disposed; null
    /// when the tenant holds all of them: the caller answers 503 with <c>Retry-After</c> and writes nothing. Counted as
    /// <see cref="SubmitAsync"/>'s refusals are.
    /// </summary>
    internal IDisposable? TryTakeAcceptSlot(TenantId tenantId)
    {
        if (TryEnterAccept(tenantId))
        {
            return new AcceptSlot(this, tenantId);
        }

        metrics.TenantAcceptRefused();
        return null;
    }

    private sealed class AcceptSlot(EventIngestor owner, TenantId tenantId) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                owner.ExitAccept(tenantId);
            }
        }
    }

    /// <summary>Takes one of the tenant's accept slots; false when it holds all of them (the accept is refused).</summary>
    private bool TryEnterAccept(TenantId tenantId)
    {
        lock (_acceptsGate)
        {
            var held = _accepts.GetValueOrDefault(tenantId);
            if (held >= AcceptLimit)
            {
                return false;
            }

            _accepts[tenantId] = held + 1;
            return true;
        }
    }

    private void ExitAccept(TenantId tenantId)
    {
        lock (_acceptsGate)
        {
            var held = _accepts.GetValueOrDefault(tenantId) - 1;
            if (held <= 0)
            {
                _accepts.Remove(tenantId);
            }
            else
            {
                _accepts[tenantId] = held;
            }
        }
    }
}
