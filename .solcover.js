// solidity-coverage settings: test-only mocks are not part of the measured contracts.
module.exports = {
  skipFiles: ["test/"],
  // the core and TrainingJobs compile through the IR pipeline (hardhat.config.ts): minimal Yul optimizer steps keep the
  // instrumented build compiling
  configureYulOptimizer: true,
  irMinimum: true,
  // nonReentrant is a guard, not a decision: its other branch is a reentrant call, which test/attacks.test.ts makes against
  // the core (ReentrantWorker); it is not counted as a branch of every function it guards.
  modifierWhitelist: ["nonReentrant"],
};
