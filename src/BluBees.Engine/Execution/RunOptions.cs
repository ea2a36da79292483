using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace BluBees.Engine.Execution;

/// <summary>Configuration section <c>Runs</c>.</summary>
public sealed class RunOptions : IValidatableObject
{
    public const string Section = "Runs";

    /// <summary>How long run records are kept; enforced on read and by the store's expiry.</summary>
    [Range(1, 400)]
    public int RetentionDays { get; set; } = 30;

    /// <summary>
    /// How many runs the worker executes at once (the embedded worker; on AWS, the records of one SQS batch). A run
    /// mostly waits on third parties, so the default is well above the core count: at 4 (with 2 per tenant) one
    /// tenant's events were capped below what the engine completes (docs/benchmarks.md, "Worker concurrency").
    /// </summary>
    [Range(1, 64)]
    public int WorkerConcurrency { get; set; } = 16;

    /// <summary>
    /// How many of those runs one tenant may hold at once, so that one tenant (a hanging third party, a burst)
    /// cannot occupy every worker. At most <see cref="WorkerConcurrency"/>; the default is half of its default.
    /// Besides, an eighth of the workers (at least one) is kept for tenants with nothing running (Runs.TenantShares).
    /// </summary>
    [Range(1, 64)]
    public int PerTenantConcurrency { get; set; } = 8;

    /// <summary>Durable queue capacity (messages); when full, ingress answers 503 and Forge retries.</summary>
    [Range(1, 1_000_000)]
    public int QueueCapacity { get; set; } = 10_000;

    /// <summary>
    /// The share of <see cref="QueueCapacity"/> one tenant's waiting and running messages may fill, in percent (at
    /// least one message), so that one tenant's flood (a bulk edit, a looping rule) cannot get every other tenant's
    /// events refused: past it, that tenant's events get 503 (Forge retries them) while others are still accepted.
    /// </summary>
    [Range(1, 100, ErrorMessage = "Runs:PerTenantQueuePercent must be from 1 to 100.")]
    public int PerTenantQueuePercent { get; set; } = 50;

    /// <summary>How many messages one tenant may have queued: <see cref="PerTenantQueuePercent"/> of <see cref="QueueCapacity"/>, at least 1.</summary>
    public int PerTenantQueueCapacity => (int)Math.Max(1, (long)QueueCapacity * PerTenantQueuePercent / 100);

    /// <summary>The default of <see cref="PerTenantAcceptsInFlight"/>: one batch of the group-commit writer.</summary>
    public const int DefaultPerTenantAcceptsInFlight = 64;

    /// <summary>
    /// How many accepts (events, webhook deliveries, schedule hand-overs, manual runs) one tenant may have in flight at
    /// once, between the ingress and the queue's answer; one more is answered 503 with <c>Retry-After</c> at once, and
    /// nothing of it is kept. The queue's writer serves accepts in arrival order, so without it a tenant sending faster
    /// than the writer commits kept every other tenant's accepts waiting behind all of its own, past their wait (3 s for
    /// a Forge event) and into a 503. An accept takes milliseconds, so a tenant reaches this only while the writer is
    /// behind.
    /// </summary>
    [Range(1, 100_000)]
    public int PerTenantAcceptsInFlight { get; set; } = DefaultPerTenantAcceptsInFlight;

    /// <summary>
    /// Durable queue capacity in megabytes of stored (encrypted) messages: a message may be about 1 MiB of event or
    /// webhook body and takes more once escaped and encrypted, so <see cref="QueueCapacity"/> alone lets one tenant's
    /// flood of large events fill the disk every tenant's data lives on. The same <see cref="PerTenantQueuePercent"/>
    /// applies: past its share of these bytes a tenant's events get 503 while others' are still accepted.
    /// </summary>
    [Range(1, 1_000_000)]
    public int QueueCapacityMegabytes { get; set; } = 1024;

    /// <summary>The queue's capacity in bytes (<see cref="QueueCapacityMegabytes"/>).</summary>
    public long QueueCapacityBytes => QueueCapacityMegabytes * 1024L * 1024;

    /// <summary>How many bytes of queued messages one tenant may hold: <see cref="PerTenantQueuePercent"/> of <see cref="QueueCapacityBytes"/>; a tenant below it may always queue one more message.</summary>
    public long PerTenantQueueBytes => Math.Max(1, QueueCapacityBytes * PerTenantQueuePercent / 100);

    /// <summary>
    /// The messages of <see cref="QueueCapacity"/> kept for tenants that have nothing queued: two tenants at their share
    /// (50 % each by default) would otherwise fill the whole queue and get every other tenant's events refused. An
    /// eighth of the capacity, at least one message, and never so much that one tenant could not reach its share.
    /// </summary>
    public int QueueReserve => Reserve(QueueCapacity, PerTenantQueueCapacity);

    /// <summary>The bytes of <see cref="QueueCapacityBytes"/> kept for tenants that have nothing queued (as <see cref="QueueReserve"/>).</summary>
    public long QueueReserveBytes => Reserve(QueueCapacityBytes, PerTenantQueueBytes);

    /// <summary>
    /// How many messages a tenant may hold and still take from the reserve: an eighth of it, at least one (156 of 1,250
    /// at the defaults). Admitting only tenants with nothing queued left a quiet tenant one message at a time while two
    /// others flooded: the other events of its bulk edit were refused until the first ran, and after Forge's retries lost.
    /// </summary>
    public int QueueReserveAllowance => Math.Max(1, QueueReserve / 8);

    /// <summary>The bytes a tenant may hold and still take from the reserve (as <see cref="QueueReserveAllowance"/>).</summary>
    public long QueueReserveAllowanceBytes => Math.Max(1, QueueReserveBytes / 8);

    /// <summary>
    /// The workers kept for tenants that have nothing running (as the embedded worker's <c>Runs.TenantShares</c>): an
    /// eighth of <see cref="WorkerConcurrency"/>, at least one, and none when <see cref="PerTenantConcurrency"/> is every
    /// worker. A tenant already running takes another worker only while more than this many are free.
    /// </summary>
    public int WorkerReserve => Reserve(WorkerConcurrency, PerTenantConcurrency);

    private static int Reserve(int capacity, int share) => (int)Reserve((long)capacity, share);

    private static long Reserve(long capacity, long share) => Math.Min(Math.Max(1, capacity / 8), Math.Max(0, capacity - share));

    /// <summary>Largest step response body kept (in memory) for later steps.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxStepResponseBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// The most JSON one run may hold in memory: its event, every output its steps keep for later steps (up to 50
    /// steps at up to <see cref="MaxStepResponseBytes"/> each, JSON trees several times that), and the scope copies
    /// of its parallel <c>forEach</c> workers, so that one tenant's rules cannot take the memory every tenant's runs
    /// share. Counted from the answers' lengths. A step whose output would pass it fails
    /// <c>run_data_budget_exceeded</c>; a parallel loop starts only the workers whose copies fit (at least one).
    /// </summary>
    [Range(64 * 1024, 1024 * 1024 * 1024)]
    public int MaxRunDataBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>On shutdown (SIGTERM), how long in-flight runs may take to finish before they are left in the queue.</summary>
    [Range(0, 300)]
    public int DrainSeconds { get; set; } = 20;

    /// <summary>
    /// The longest one queued message may hold a worker of the embedded worker (every rule it runs, in turn). Each call
    /// is bounded by its step's timeouts, but a run may start 5,000 step executions and an event may run every rule of
    /// the tenant, so without this a slow host could hold a worker for days, its lease renewed all along. Past it the
    /// rule running is stopped, the rules not reached do not run, and each leaves a failed record
    /// <c>run_deadline_exceeded</c>; the message is finished, not run again. The SQS worker has its own
    /// (<c>Worker:RunDeadlineSeconds</c>). The default leaves room for one transfer step at its longest (3,600 s).
    /// </summary>
    [Range(10, 86_400)]
    public int RunDeadlineSeconds { get; set; } = 7_200;

    /// <summary>
    /// The longest a suspect (a message the previous process held when it died) runs alone on the embedded worker:
    /// past it, the next suspect, then the other tenants' messages, are claimed beside it while it goes on. A suspect
    /// ran alone until its run ended, up to <see cref="RunDeadlineSeconds"/>, so one tenant whose third party hangs
    /// held every other tenant's events back after a crash for that long per message it had in flight (8 at the
    /// defaults: 16 hours). A poison message that takes the process down later than this costs the messages started
    /// beside it a delivery (as a crash before suspects did).
    /// </summary>
    [Range(1, 86_400)]
    public int SuspectAloneSeconds { get; set; } = 30;

    /// <summary>
    /// The longest the suspects run alone in all, counted from the embedded worker's start (its reclaim): past it, the
    /// suspect running alone is released and the suspects still waiting are claimed like any message, beside the
    /// other tenants' (still counted as a delivery, their mark kept until they finish). Each suspect had its own
    /// <see cref="SuspectAloneSeconds"/>, one after another, so a tenant whose third party hangs held every other
    /// tenant's events back after a crash for that long per message it had in flight (8 at the defaults: 4 minutes,
    /// two such tenants 8). A suspect's window ends at the earlier of the two. The price: a poison message that waits
    /// behind other suspects past this total costs the messages claimed beside it a delivery when it takes the
    /// process down (as a crash before suspects did); a poison message that crashes the process quickly is the first
    /// (often the only) suspect of the next start, and still runs alone.
    /// </summary>
    [Range(1, 86_400)]
    public int SuspectAloneTotalSeconds { get; set; } = 60;

    /// <summary>How long a claimed message stays leased to the worker; the worker renews it while the run lasts.</summary>
    [Range(5, 3600)]
    public int LeaseSeconds { get; set; } = 120;

    /// <summary>Deliveries of one message to the worker before it ends as a failed run (<c>delivery_exhausted</c>).</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 5;

    /// <summary>
    /// Drains (a deploy or shutdown whose drain window ended while the message ran, or before its rules started) that may
    /// give one message back to the embedded queue; the claim after that many records it <c>delivery_exhausted</c>
    /// instead of running it again. A drain is not a delivery and does not use one of <see cref="MaxAttempts"/>; this
    /// bound is its own, so a message that makes every drain overrun still ends, with its record.
    /// </summary>
    [Range(1, 1000)]
    public int MaxDrains { get; set; } = 20;

    /// <summary>Age after which a queued message is no longer run but ends as a failed run (<c>delivery_exhausted</c>).</summary>
    [Range(1, 24 * 14)]
    public int MaxMessageAgeHours { get; set; } = 24;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (PerTenantConcurrency > WorkerConcurrency)
        {
            yield return new ValidationResult(
                "Runs:PerTenantConcurrency must not exceed Runs:WorkerConcurrency.", [nameof(PerTenantConcurrency)]);
        }

        if (MaxRunDataBytes < MaxStepResponseBytes)
        {
            yield return new ValidationResult(
                "Runs:MaxRunDataBytes must not be less than Runs:MaxStepResponseBytes.", [nameof(MaxRunDataBytes)]);
        }
    }
}

/// <summary>Source-generated validation of <see cref="RunOptions"/> (attributes and <see cref="RunOptions.Validate"/>), run at start.</summary>
[OptionsValidator]
internal sealed partial class RunOptionsValidator : IValidateOptions<RunOptions>;
