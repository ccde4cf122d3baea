// Imported first by the sandbox's and the rehearsal's entry files. On Node 20 every process that
// builds an AWS SDK v3 client prints an 8-line NodeVersionSupportWarning (SDK releases after January
// 2027 need Node 22; the versions pinned in package-lock.json run on Node 20). The demo starts several
// such processes, so the notice buried its own table. An operator who exported the variable keeps
// their choice; cognito-local's child and the bridge's workers inherit this one.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
