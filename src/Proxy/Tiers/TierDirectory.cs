using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Proxy.Auth;
using Proxy.Quota;
using Proxy.Storage;

namespace Proxy.Tiers;

/// <summary>
/// The tiers table, read whole and kept like the keys table (<see cref="KeyDirectory"/>), and read again with it in the
/// background, so that a tier's new limit reaches every running proxy within <see cref="AuthOptions.KeyRefreshInterval"/>.
/// Until the table has been read once (the store down since start), the settings' tiers apply.
/// </summary>
public sealed class TierDirectory
{
    private readonly TierTable _table;
    private readonly ILogger<TierDirectory> _logger;
    private readonly TableCopy<TierLimits> _copy;
    private readonly TierLimits _settings;
    private readonly TierSettings _givenSettings;
    private string? _inEffect;
    private bool _settingsCompared;

    public TierDirectory(
        TierTable table, TierSettings givenSettings, TableStoreCircuit circuit, IOptions<QuotaOptions> quotaOptions, TimeProvider timeProvider,
        ILogger<TierDirectory> logger)
    {
        _table = table;
        _givenSettings = givenSettings;
        _logger = logger;
        _settings = TierLimits.Of(quotaOptions.Value.DefaultTiers());
        _copy = new TableCopy<TierLimits>(table.Name, ReadAsync, circuit, quotaOptions.Value.StoreTimeout, timeProvider, logger);
    }

    /// <summary>When the tiers in effect were read; null until the table has been read once.</summary>
    public DateTimeOffset? ReadAt => _copy.ReadAt;

    /// <summary>The tiers in effect. Only the first read waits, and <paramref name="cancellationToken"/> ends that wait.</summary>
    public async ValueTask<TierLimits> GetAsync(CancellationToken cancellationToken = default) =>
        await _copy.GetAsync(cancellationToken) ?? _settings;

    /// <summary>Reads the table again, unless a read is under way (then that one is shared); never throws.</summary>
    public Task RefreshAsync() => _copy.RefreshAsync();

    // Runs one at a time (TableCopy), so _inEffect needs no lock.
    private async Task<TierLimits> ReadAsync(CancellationToken cancellationToken)
    {
        var read = await _table.ReadAsync(cancellationToken);
        if (read.Seeded.Count > 0)
        {
            var seeded = TierLimits.Of(read.Seeded).Description;
            TierLog.Seeded(_logger, _table.Name, seeded);
        }

        var limits = TierLimits.Of(read.Tiers);
        if (!_settingsCompared)
        {
            // Once, on this process's first read: the settings do not change while it runs, and a later change made
            // with the CLI is the table's own, not a setting being overridden.
            _settingsCompared = true;
            foreach (var overridden in _givenSettings.OverriddenBy(limits))
            {
                TierLog.SettingOverridden(_logger, overridden.Setting, overridden.Given, _table.Name, overridden.InTable, overridden.Command);
            }
        }

        if (limits.Description != _inEffect)
        {
            _inEffect = limits.Description;
            TierLog.InEffect(_logger, _inEffect, _table.Name);
        }

        return limits;
    }
}
