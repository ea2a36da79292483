namespace BluBees.Engine.Templates;

/// <summary>The <c>forloop</c> object of one running loop.</summary>
internal sealed class ForLoopState(long length, ForLoopState? parent)
{
    public long Index0 { get; set; }

    public object? Get(string name) => name switch
    {
        "index" => Index0 + 1,
        "index0" => Index0,
        "rindex" => length - Index0,
        "rindex0" => length - Index0 - 1,
        "first" => Index0 == 0,
        "last" => Index0 == length - 1,
        "length" => length,
        "parentloop" => parent,
        _ => null,
    };
}
