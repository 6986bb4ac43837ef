import Foundation
import IntegratorModel
import IntegratorPostgres
import IntegratorStore
import Logging

/// The operator's secret key against the database, at start and when rotating it.
public enum SecretKeySetup {
    /// The box for `--secret-key-file`, or clear without one. A file that cannot be read or does
    /// not hold 32 bytes stops the start with a message naming it.
    public static func box(keyFile: String?) throws -> SecretBox {
        guard let keyFile, !keyFile.isEmpty else { return .clear }
        do {
            return SecretBox(key: try SecretBox.readKey(path: keyFile))
        } catch {
            throw SettingError(description: error.description)
        }
    }

    /// Checks that the key fits the database before anything sealed is read: the right key
    /// seals what is still in clear; a wrong key, or none where secrets are sealed, stops the
    /// start. Without a key the hub says, once, that secrets are stored in clear.
    static func prepare(store: any HubDatabase, secrets: SecretBox, keyFile: String?, logger: Logger) async throws {
        let check = try await store.setting(SecretBox.checkSetting)
        if secrets.isEncrypting {
            if let check {
                guard secrets.opens(check: check) else {
                    throw SettingError(
                        description:
                            "the secret key file \(keyFile ?? "?") does not hold the key this database's secrets were encrypted with; "
                            + "give the right file, or rotate with `integrator rotate-secret-key`"
                    )
                }
            } else {
                let sealed = try await store.resealSecrets(from: .clear, to: secrets)
                logger.notice("secrets are now encrypted at rest with the key in \(keyFile ?? "?") (\(sealed) value(s) sealed)")
            }
        } else if check != nil {
            throw SettingError(
                description:
                    "this database's secrets are encrypted; start the hub with --secret-key-file (INTEGRATOR_SECRET_KEY_FILE) naming the key file"
            )
        } else {
            let advice =
                "no secret key file: mapping tokens, signing secrets and secret parameters are stored in clear; "
                + "set --secret-key-file (INTEGRATOR_SECRET_KEY_FILE) to encrypt them"
            logger.warning("\(advice)")
        }
    }

    /// `integrator rotate-secret-key`: re-encrypts every secret from the old key (or from clear
    /// when `oldKeyFile` is nil) to the new one in one transaction, with the hub stopped.
    /// Returns how many values were rewritten.
    public static func rotate(database: String, oldKeyFile: String?, newKeyFile: String?, logger: Logger) async throws -> Int {
        let old = try box(keyFile: oldKeyFile)
        let new = try box(keyFile: newKeyFile)
        return try await withHubDatabase(database, logger: logger, now: Date(), secrets: .clear) { store in
            try await reseal(store, from: old, to: new, oldKeyFile: oldKeyFile)
        }
    }

    private static func reseal(_ store: any HubDatabase, from old: SecretBox, to new: SecretBox, oldKeyFile: String?) async throws -> Int {
        let check = try await store.setting(SecretBox.checkSetting)
        switch (check, old.isEncrypting) {
        case (let check?, true):
            guard old.opens(check: check) else {
                throw SettingError(description: "the old key file \(oldKeyFile ?? "?") is not the key this database's secrets are encrypted with")
            }
        case (nil, true):
            throw SettingError(description: "this database's secrets are not encrypted; leave out --old-key-file")
        case (_?, false):
            throw SettingError(description: "this database's secrets are encrypted; give the key file with --old-key-file")
        case (nil, false):
            break
        }
        return try await store.resealSecrets(from: old, to: new)
    }
}
