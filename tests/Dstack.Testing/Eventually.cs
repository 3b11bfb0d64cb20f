namespace Dstack.Testing;

/// <summary>
/// Polls a condition against a deadline instead of sleeping a guessed time: tests wait on state. The deadline is generous
/// (tests must pass on a loaded machine) and a miss names what was waited for.
/// </summary>
public static class Eventually
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(25);

    /// <summary>Polls <paramref name="probe"/> until it returns a value, and returns it.</summary>
    /// <exception cref="TimeoutException">No value within <paramref name="timeout"/>.</exception>
    public static async Task<T> ValueAsync<T>(Func<Task<T?>> probe, TimeSpan timeout, string what)
        where T : struct
    {
        ArgumentNullException.ThrowIfNull(probe);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out after {timeout.TotalSeconds:0.#} s waiting for {what}");
            }

            await Task.Delay(PollInterval);
        }
    }

    /// <summary>Polls <paramref name="condition"/> until it holds.</summary>
    /// <exception cref="TimeoutException">It did not hold within <paramref name="timeout"/>.</exception>
    public static Task TrueAsync(Func<Task<bool>> condition, TimeSpan timeout, string what = "the condition")
    {
        ArgumentNullException.ThrowIfNull(condition);
        return ValueAsync<bool>(async () => await condition() ? true : null, timeout, what);
    }

    /// <summary>Polls <paramref name="condition"/> until it holds.</summary>
    /// <exception cref="TimeoutException">It did not hold within <paramref name="timeout"/>.</exception>
    public static Task TrueAsync(Func<bool> condition, TimeSpan timeout, string what = "the condition")
    {
        ArgumentNullException.ThrowIfNull(condition);
        return TrueAsync(() => Task.FromResult(condition()), timeout, what);
    }
}
