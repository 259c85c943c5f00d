import { AUTH_MODES, CLUSTER_VERBS, STRATEGIES } from '../../../common/vocabulary';
import { loadDashboardModule } from '../dashboard/load-module';

/**
 * The dashboard is plain browser JavaScript and cannot import common/: these tests hold its
 * copies of the shared lists to common/vocabulary.ts, so a mode, strategy or verb added there
 * fails here until the dashboard takes it (or the list below says why it does not).
 */
const dashboard = loadDashboardModule<{
  MODES: readonly string[];
  CONTROL_VERBS: readonly string[];
  STRATEGY_SENTENCES: Readonly<Record<string, string>>;
}>('model.js');

/** Modes the dashboard deliberately leaves out, and why. */
const NOT_ON_DASHBOARD: Record<string, string> = {};
/** Verbs the dashboard's buttons leave out. */
const NO_BUTTON: Record<string, string> = {
  restart: 'kill then start shows what happens in between; restart would hide it',
};

test('when the dashboard lists auth modes, then they are the shared modes less the ones it leaves out on purpose', () => {
  expect([...dashboard.MODES]).toEqual(AUTH_MODES.filter((m) => !(m in NOT_ON_DASHBOARD)));
});

test('when the dashboard offers control verbs, then they are the launcher verbs less the ones it has no button for', () => {
  expect([...dashboard.CONTROL_VERBS]).toEqual(CLUSTER_VERBS.filter((v) => !(v in NO_BUTTON)));
});

test('when the dashboard explains a frontend, then it has a sentence for every strategy and for no other', () => {
  expect(Object.keys(dashboard.STRATEGY_SENTENCES)).toEqual([...STRATEGIES]);
});
