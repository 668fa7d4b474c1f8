package io.cargohold.registry;

import io.cargohold.errors.InvalidArgumentException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** A user name and password (or identity token) for a registry. */
public record Credentials(String username, String password) {
    /** skopeo's {@code --creds USER[:PASS]}; Cargohold does not prompt, so the password is required. */
    public static Credentials parse(String userColonPass) throws InvalidArgumentException {
        int colon = userColonPass.indexOf(':');
        if (colon <= 0) {
            throw new InvalidArgumentException("credentials \"" + (colon < 0 ? userColonPass : "") + "\": expected USER:PASSWORD"
                    + " (cargohold does not prompt for a password)");
        }
        return new Credentials(userColonPass.substring(0, colon), userColonPass.substring(colon + 1));
    }

    /** The {@code auth} field of containers-auth.json: base64 of {@code user:password}. */
    public String basicToken() {
        return Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "Credentials[" + username + ", password hidden]";
    }
}
