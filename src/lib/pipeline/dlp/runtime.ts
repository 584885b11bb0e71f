/**
 * What a command that raises DLP alerts wires around the pipeline, in one place: the rule file (loaded when
 * it exists; in long runs, an empty rule set until it appears), the `bonnie-dlp` logger (syslog, facility mail, or log_file), each new alert logged with masked
 * samples only, the mail outbox sent to dlp_notify, and, in long runs, the rules read again when their file
 * changes or on SIGHUP (reload.ts). `bonnie collector`, `bonnie process` and `bonnie dlp scan` raise
 * alerts with it; `bonnie dlp watch` follows the rule file with it.
 *
 * Contract: {@link DlpRuntime.close} stops the rule watch and waits until every log line was handed over;
 * call it last, after the catalog is closed, so nothing logged before is lost.
 */
import type {Db} from '../../base/catalog/catalog.js';
import type {DlpNotifySettings} from '../../base/config/settings.js';
import {createLogger, type Logger} from '../../base/log/logger.js';
import {alertLogLine, type Alert} from './alerts.js';
import {alertMailer, type DeliverySummary} from './mail.js';
import {watchRulesLogged, type RuleWatch} from './reload.js';
import {RuleSet} from './rules.js';

/** The settings the runtime reads. */
export interface DlpRuntimeSettings {
  /** The catalog: a log file created as root gets its owner. */
  catalog: string;
  logFile: string | undefined;
  /** The rule file (dlp_rules). */
  dlpRules: string;
  localDomains: string[];
  dlpNotify?: DlpNotifySettings | undefined;
}

/** What collect(), followCollect(), processQueue() and followQueue() take to raise alerts. */
export interface DlpPipelineOptions {
  dlpRules: RuleSet | undefined;
  localDomains: string[];
  onDlpAlert: (alert: Alert) => void;
  deliverDlpMail: () => Promise<DeliverySummary>;
}

export class DlpRuntime {
  private watch: RuleWatch | undefined;

  private constructor(
    private readonly settings: DlpRuntimeSettings,
    /** The rules in force; undefined when there is no rule file (DLP is off), empty when following one that is not there yet. */
    readonly rules: RuleSet | undefined,
    private readonly log: Logger,
    /** Warnings for the operator (the command's stderr, or its warning lines). */
    private readonly warn: (message: string) => void,
  ) {}

  /**
   * The runtime of one run: the rule file loaded when it exists (a file that does not load is reported
   * through `warn` and the run goes on without DLP), or `options.rules` when the command loaded them itself.
   * With `follow` (a run that will call {@link followRules}), a rule file that is missing or does not load
   * gives an empty rule set (evaluates nothing) that the watch fills once the file appears or is mended.
   */
  static open(settings: DlpRuntimeSettings, warn: (message: string) => void, options: {rules?: RuleSet; follow?: boolean} = {}): DlpRuntime {
    const log = createLogger({ident: 'bonnie-dlp', file: settings.logFile, reference: settings.catalog});
    const rules = options.rules ?? RuleSet.loadIfPresent(settings.dlpRules, warn, {orEmpty: options.follow === true});
    return new DlpRuntime(settings, rules, log, warn);
  }

  /** Logs a new alert (warning, masked samples only). */
  readonly onAlert = (alert: Alert): void => this.log.log('warning', alertLogLine(alert));

  /**
   * Sends what the outbox holds for dlp_notify (alerts whose rule has the notify action) through dlp_smtp;
   * a mail that fails is logged, passed to `warn` and retried by later calls and runs.
   */
  mailer(db: Db): () => Promise<DeliverySummary> {
    return alertMailer(db, this.settings.dlpNotify, (level, message) => this.log.log(level, message), this.warn);
  }

  /** The options of the pipeline's runs: alerts logged as they are raised, then mailed. */
  pipelineOptions(db: Db): DlpPipelineOptions {
    return {dlpRules: this.rules, localDomains: this.settings.localDomains, onDlpAlert: this.onAlert, deliverDlpMail: this.mailer(db)};
  }

  /**
   * Reads the rules again when their file changes or on SIGHUP, until {@link close}: reloads logged (info)
   * and passed to `onReload`, a file that does not load logged (error) and passed to `onWarning` with the
   * note that the rules in force stay. Nothing to follow when the runtime was opened without `follow` and
   * there is no rule file (SIGHUP is then not handled).
   */
  followRules(onWarning: (message: string) => void, onReload?: (message: string) => void): void {
    if (this.rules === undefined || this.watch !== undefined) return;
    this.watch = watchRulesLogged(this.rules, this.log, onWarning, onReload);
  }

  /** Stops following the rules and waits for the log. */
  async close(): Promise<void> {
    this.watch?.close();
    this.watch = undefined;
    await this.log.flush();
  }
}
