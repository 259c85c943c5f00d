import { CpuWaitWindow } from '../../../services/app/cpu-wait';

const MS = 1e6;

describe('the event loop\'s CPU wait over a window', () => {
  it('when fewer than two readings exist, then the share is unknown', () => {
    const window = new CpuWaitWindow(300);
    expect(window.share()).toBeUndefined();
    window.add(5 * MS, 0);
    expect(window.share()).toBeUndefined();
  });

  it('when the thread waited 30 ms of 100 ms, then the share is 0.3', () => {
    const window = new CpuWaitWindow(300);
    window.add(0, 0);
    window.add(30 * MS, 100 * MS);
    expect(window.share()).toBeCloseTo(0.3);
  });

  it('when readings span more than the window, then only the last window counts', () => {
    const window = new CpuWaitWindow(300);
    window.add(0, 0);
    window.add(90 * MS, 100 * MS); // a busy start…
    window.add(90 * MS, 200 * MS); // …then no more waiting
    window.add(90 * MS, 300 * MS);
    window.add(99 * MS, 400 * MS);
    expect(window.share()).toBeCloseTo(9 / 300);
  });

  it('when readings are odd (a counter reset, a clock step), then the share stays within 0…1', () => {
    const window = new CpuWaitWindow(300);
    window.add(50 * MS, 0);
    window.add(0, 100 * MS);
    expect(window.share()).toBe(0);
    window.add(10_000 * MS, 200 * MS);
    expect(window.share()).toBe(1);
  });
});
