namespace BluBees.Engine.Storage;

/// <summary>
/// Query one partition by sort-key prefix, optionally bounded by an inclusive sort-key range, in ascending or
/// descending order. Paging is by <see cref="StartAfter"/>: the sort key of the last item of the previous page.
/// </summary>
public sealed record QueryRequest(string Pk, string SkPrefix)
{
    public bool Descending { get; init; }
    public int Limit { get; init; } = 100;
    public string? StartAfter { get; init; }
    public string? SkFrom { get; init; }
    public string? SkTo { get; init; }
}

/// <summary>
/// A page of items; <see cref="NextCursor"/> is null on the last page. A page with a cursor holds the full limit; the
/// page after it may be empty (the DynamoDB store, when items past their expiry follow: it does not read through them
/// to prove a next page).
/// </summary>
public sealed record QueryPage(IReadOnlyList<StoreItem> Items, string? NextCursor);
