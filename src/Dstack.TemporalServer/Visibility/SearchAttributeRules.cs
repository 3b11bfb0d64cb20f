using Dstack.TemporalServer.Engine;
using Temporalio.Api.Common.V1;

namespace Dstack.TemporalServer.Visibility;

/// <summary>Real Temporal's search attribute validator: registered names only, no system names, values of the registered type.</summary>
internal static class SearchAttributeRules
{
    public const int MaxKeys = 100;

    /// <summary>Returns the real server's error message for an invalid attribute, or null.</summary>
    public static string? Check(ServerNamespace ns, string name, Payload payload)
    {
        if (SystemSearchAttributes.All.ContainsKey(name) && !SystemSearchAttributes.UserSettable.Contains(name))
        {
            return $"{name} attribute can't be set in SearchAttributes";
        }

        var type = ns.CustomSearchAttributes.TryGetValue(name, out var custom) ? custom
            : SystemSearchAttributes.All.TryGetValue(name, out var predefined) ? predefined
            : (Temporalio.Api.Enums.V1.IndexedValueType?)null;
        if (type is null)
        {
            return $"search attribute {name} is not defined";
        }

        if (SearchAttributeValues.IsDeletion(payload))
        {
            return null;
        }

        try
        {
            SearchAttributeValues.Decode(payload, type.Value);
            return null;
        }
        catch (FormatException)
        {
            return $"invalid value for search attribute {name} of type {SearchAttributeValues.TypeName(type.Value)}: {payload.Data.ToStringUtf8()}";
        }
    }

    /// <summary>Checks every attribute of a request; returns the first error or null.</summary>
    public static string? CheckAll(ServerNamespace ns, SearchAttributes? attributes)
    {
        if (attributes is null)
        {
            return null;
        }

        if (attributes.IndexedFields.Count > MaxKeys)
        {
            return $"number of search attributes {attributes.IndexedFields.Count} exceeds limit {MaxKeys}";
        }

        return attributes.IndexedFields.Select(pair => Check(ns, pair.Key, pair.Value)).FirstOrDefault(error => error is not null);
    }
}
