namespace Dstack.Core.Runs;

/// <summary>Run names like <c>wise-owl-1</c>: easy to read and type, unique per namespace (a taken name is drawn again).</summary>
public static class RunNames
{
    private static readonly string[] Adjectives =
    [
        "wise", "brave", "calm", "eager", "fancy", "gentle", "happy", "jolly", "kind", "lively", "mighty", "nice",
        "proud", "quick", "silly", "swift", "tidy", "witty", "zesty", "bold", "bright", "clever", "cool", "daring",
    ];

    private static readonly string[] Animals =
    [
        "owl", "fox", "cat", "dog", "bee", "elk", "yak", "emu", "ant", "bat", "cow", "eel", "hen", "jay", "koi",
        "lynx", "mole", "newt", "orca", "puma", "seal", "swan", "toad", "wolf", "zebra", "crab", "deer", "frog",
    ];

    /// <summary>Draws a name; the number keeps collisions rare even with many runs.</summary>
    public static string Next(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        return $"{Adjectives[random.Next(Adjectives.Length)]}-{Animals[random.Next(Animals.Length)]}-{random.Next(1, 100)}";
    }
}
